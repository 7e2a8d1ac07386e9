package io.jvfio.uapi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IoctlTest {

  @Test
  void ioEncodesTypeAndNumberWithNoDirectionOrSize() {
    long request = Ioctl.io(';', 100 + 7);
    assertThat(request).isEqualTo(0x3B6B);
    assertThat(Ioctl.type(request)).isEqualTo(0x3B);
    assertThat(Ioctl.nr(request)).isEqualTo(107);
    assertThat(Ioctl.dir(request)).isZero();
    assertThat(Ioctl.size(request)).isZero();
  }

  @Test
  void ioRoundTripsEveryTypeAndNumber() {
    for (int type = 0; type < 256; type++) {
      for (int nr = 0; nr < 256; nr++) {
        long request = Ioctl.io(type, nr);
        assertThat(request).isEqualTo(((long) type << 8) | nr);
        assertThat(Ioctl.type(request)).isEqualTo(type);
        assertThat(Ioctl.nr(request)).isEqualTo(nr);
        assertThat(Ioctl.dir(request)).isZero();
        assertThat(Ioctl.size(request)).isZero();
      }
    }
  }

  @Test
  void decodesDirectionAndSizeOfGenericRequests() {
    // _IOWR('U', 0, 24) = (3 << 30) | (24 << 16) | ('U' << 8) | 0
    long iowr = 0xC018_5500L;
    assertThat(Ioctl.dir(iowr)).isEqualTo(3);
    assertThat(Ioctl.size(iowr)).isEqualTo(24);
    assertThat(Ioctl.type(iowr)).isEqualTo('U');
    assertThat(Ioctl.nr(iowr)).isZero();

    // _IOR('T', 0x2A, 4) with the largest size the 14-bit field holds
    long ior = (2L << 30) | (0x3FFFL << 16) | ('T' << 8) | 0x2A;
    assertThat(Ioctl.dir(ior)).isEqualTo(2);
    assertThat(Ioctl.size(ior)).isEqualTo(0x3FFF);
    assertThat(Ioctl.type(ior)).isEqualTo('T');
    assertThat(Ioctl.nr(ior)).isEqualTo(0x2A);

    // _IOW(';', 0xFF, 1)
    long iow = (1L << 30) | (1L << 16) | (0x3BL << 8) | 0xFF;
    assertThat(Ioctl.dir(iow)).isEqualTo(1);
    assertThat(Ioctl.size(iow)).isEqualTo(1);
    assertThat(Ioctl.type(iow)).isEqualTo(0x3B);
    assertThat(Ioctl.nr(iow)).isEqualTo(0xFF);
  }
}
