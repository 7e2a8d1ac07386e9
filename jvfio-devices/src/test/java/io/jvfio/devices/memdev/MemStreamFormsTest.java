package io.jvfio.devices.memdev;

import static io.jvfio.uapi.vfio.MigrationState.PRE_COPY;
import static io.jvfio.uapi.vfio.MigrationState.RESUMING;
import static io.jvfio.uapi.vfio.MigrationState.STOP;
import static io.jvfio.uapi.vfio.MigrationState.STOP_COPY;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.sdk.MigrationException;
import io.jvfio.host.sdk.ResumingStream;
import io.jvfio.host.sdk.SavingStream;
import io.jvfio.uapi.Errno;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The two forms of the stream: chunks with a data CRC32C, and chunks without one (flag bit 0). */
class MemStreamFormsTest {
  static final long MIB = 1 << 20;
  private final List<MemDevice> devices = new ArrayList<>();

  @AfterEach
  void destroy() {
    devices.forEach(MemDevice::destroy);
  }

  private MemDevice device(long size, boolean dataCrc) {
    MemDevice d =
        new MemDevice(MemDevice.Config.defaults().withMemorySize(size).withDataCrc(dataCrc));
    devices.add(d);
    return d;
  }

  /** A STOP to STOP_COPY stream of a device filled from {@code seed}. */
  private byte[] saved(long size, boolean dataCrc, long seed) {
    MemDevice src = device(size, dataCrc);
    src.fillRandom(seed);
    CoreSim sim = new CoreSim(src.migration());
    SavingStream s = (SavingStream) sim.set(STOP_COPY);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CoreSim.drain(s, out);
    sim.set(STOP);
    return out.toByteArray();
  }

  private static MigrationException error(Runnable r) {
    try {
      r.run();
    } catch (MigrationException e) {
      return e;
    }
    throw new AssertionError("no MigrationException");
  }

  private static int u32(byte[] b, int at) {
    return MemorySegment.ofArray(b).get(StreamFormat.U32, at);
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void eitherFormRoundTripsIntoDevicesOfEitherConfiguration(boolean dataCrc) {
    MemDevice src = device(MIB, dataCrc);
    src.fillRandom(21);
    CoreSim sim = new CoreSim(src.migration());
    sim.set(STOP);
    long announced = src.migration().stopCopyLength();
    SavingStream s = (SavingStream) sim.set(STOP_COPY);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CoreSim.drain(s, out);
    sim.set(STOP);
    byte[] stream = out.toByteArray();
    assertThat((long) stream.length)
        .isEqualTo(announced)
        .isEqualTo(StreamFormat.fullStreamLength(MIB, dataCrc));
    assertThat(u32(stream, 12)).isEqualTo(dataCrc ? 0 : StreamFormat.FLAG_NO_DATA_CRC);

    for (boolean dstCrc : new boolean[] {true, false}) {
      MemDevice dst = device(MIB, dstCrc);
      CoreSim d = new CoreSim(dst.migration());
      CoreSim.feed((ResumingStream) d.set(RESUMING), stream);
      d.set(STOP);
      assertThat(dst.digest()).isEqualTo(src.digest());
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void precopyAccountingCountsTheFormsOwnChunkSize(boolean dataCrc) {
    MemDevice src = device(MIB, dataCrc);
    src.fillRandom(1); // all written: no ZERO records
    CoreSim sim = new CoreSim(src.migration());
    SavingStream s = (SavingStream) sim.set(PRE_COPY);
    assertThat(s.precopyInfo().initialBytes()).isEqualTo(StreamFormat.initialLength(MIB, dataCrc));
    CoreSim.drain(s, new ByteArrayOutputStream());
    src.writeByte(7 * 4096, (byte) 1);
    int chunk = StreamFormat.PAGE_SIZE + StreamFormat.chunkOverhead(dataCrc);
    assertThat(s.precopyInfo().dirtyBytes()).isEqualTo(chunk);
    assertThat(src.migration().stopCopyLength()).isEqualTo(chunk + StreamFormat.END_SIZE);
    assertThat(s.read(MemorySegment.ofArray(new byte[3 * 4096]))).isEqualTo(chunk);
    assertThat(StreamFormat.dirtyEstimate(5, dataCrc)).isEqualTo(5L * chunk);
  }

  /** Without data checksums the stream is the checksummed one minus each chunk's trailer. */
  @Test
  void theFormsDifferOnlyInTheFlagAndTheDataChecksums() {
    byte[] with = saved(3 * MIB, true, 5);
    byte[] without = saved(3 * MIB, false, 5);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    byte[] h = new byte[StreamFormat.HEADER_SIZE];
    StreamFormat.encodeHeader(h, 3 * MIB, StreamFormat.FLAG_NO_DATA_CRC, new CRC32C());
    expected.writeBytes(h);
    int at = StreamFormat.HEADER_SIZE;
    int chunks = 0;
    while (at < with.length) {
      int tag = u32(with, at);
      if (tag == StreamFormat.TAG_CHUNK) {
        int record = StreamFormat.RECORD_HEADER_SIZE + u32(with, at + 4) * StreamFormat.PAGE_SIZE;
        expected.write(with, at, record);
        at += record + StreamFormat.TRAILER_SIZE;
        chunks++;
      } else {
        assertThat(tag).isEqualTo(StreamFormat.TAG_END);
        expected.write(with, at, StreamFormat.END_SIZE);
        at += StreamFormat.END_SIZE;
      }
    }
    assertThat(chunks).isEqualTo(3); // 256 pages each
    assertThat(without).isEqualTo(expected.toByteArray());
    assertThat(with.length - without.length).isEqualTo(3 * StreamFormat.TRAILER_SIZE);
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void aCorruptedDataByteIsCaughtOnlyWithTheDataChecksum(boolean dataCrc) {
    byte[] stream = saved(2 * MIB, dataCrc, 1);
    MemDevice ref = devices.getLast();
    int page1000 = StreamFormat.HEADER_SIZE + StreamFormat.RECORD_HEADER_SIZE + 1000;
    stream[page1000] ^= 0x40;
    MemDevice dst = device(2 * MIB, true);
    CoreSim sim = new CoreSim(dst.migration());
    ResumingStream r = (ResumingStream) sim.set(RESUMING);
    if (dataCrc) {
      MigrationException e = error(() -> CoreSim.feed(r, stream, () -> 4096));
      assertThat(e.errno()).isEqualTo(Errno.EINVAL);
      assertThat(e.getMessage()).contains("data checksum mismatch in chunk of pages [0, 256)");
      assertThat(error(() -> sim.set(STOP)).errno()).isEqualTo(Errno.EINVAL);
    } else {
      CoreSim.feed(r, stream, () -> 4096);
      sim.set(STOP); // nothing in the stream can tell: integrity is the transport's
      assertThat(dst.readByte(1000)).isEqualTo((byte) (ref.readByte(1000) ^ 0x40));
      dst.writeByte(1000, ref.readByte(1000));
      assertThat(dst.digest()).isEqualTo(ref.digest());
    }
  }

  /** Header, record header and end marker keep their checksums in both forms. */
  @ParameterizedTest
  @ValueSource(ints = {0, 12, 16, 30, 32, 40, 51, -24, -10, -1})
  void corruptedFramingIsCaughtInBothForms(int offset) {
    for (boolean dataCrc : new boolean[] {true, false}) {
      byte[] stream = saved(256 << 10, dataCrc, 2);
      stream[offset < 0 ? stream.length + offset : offset] ^= 0x01;
      MemDevice dst = device(256 << 10, dataCrc);
      CoreSim sim = new CoreSim(dst.migration());
      ResumingStream r = (ResumingStream) sim.set(RESUMING);
      assertThat(error(() -> CoreSim.feed(r, stream, () -> 999)).errno())
          .as("flip at %d, data crc %s", offset, dataCrc)
          .isEqualTo(Errno.EINVAL);
      assertThat(error(() -> sim.set(STOP)).errno()).isEqualTo(Errno.EINVAL);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 3, 0x100, 0x80000000})
  void unknownFlagBitsAreRefusedWithEinval(int flags) {
    byte[] h = new byte[StreamFormat.HEADER_SIZE];
    StreamFormat.encodeHeader(h, 64 << 10, flags, new CRC32C()); // a valid header checksum
    MemDevice dst = device(64 << 10, false);
    CoreSim sim = new CoreSim(dst.migration());
    ResumingStream r = (ResumingStream) sim.set(RESUMING);
    MigrationException e = error(() -> r.write(MemorySegment.ofArray(h)));
    assertThat(e.errno()).isEqualTo(Errno.EINVAL);
    assertThat(e.getMessage()).contains("flags");
    assertThat(error(() -> r.write(MemorySegment.ofArray(new byte[1]))).errno())
        .isEqualTo(Errno.ENODEV);
    assertThat(error(() -> sim.set(STOP)).errno()).isEqualTo(Errno.EINVAL);
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void aTruncatedStreamIsRefusedAtStopAndCanBeCompleted(boolean dataCrc) {
    byte[] stream = saved(256 << 10, dataCrc, 3);
    MemDevice ref = devices.getLast();
    int len = stream.length;
    int[] cuts = {0, 10, 32, 40, 56, 56 + 5000, len - 24 - 3, len - 24, len - 1};
    for (int cut : cuts) {
      MemDevice dst = device(256 << 10, !dataCrc);
      CoreSim sim = new CoreSim(dst.migration());
      ResumingStream r = (ResumingStream) sim.set(RESUMING);
      CoreSim.feed(r, Arrays.copyOf(stream, cut));
      MigrationException e = error(() -> sim.set(STOP));
      assertThat(e.errno()).as("cut at %d", cut).isEqualTo(Errno.EINVAL);
      assertThat(e.getMessage()).contains("incomplete");
      CoreSim.feed(r, Arrays.copyOfRange(stream, cut, len));
      sim.set(STOP);
      assertThat(dst.digest()).isEqualTo(ref.digest());
    }
  }

  /** A stream with dirty chunks (PRE_COPY, workload, STOP_COPY) of a 4-page device. */
  private byte[] precopyStream(MemDevice src) {
    src.fillRandom(17);
    CoreSim sim = new CoreSim(src.migration());
    SavingStream s = (SavingStream) sim.set(PRE_COPY);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CoreSim.drain(s, out, () -> 5000);
    assertThat(src.runWorkload(3)).isEqualTo(3);
    CoreSim.drain(s, out, () -> 5000);
    src.writeMemory(4096 - 8, MemorySegment.ofArray(new byte[16])); // a two-page run
    sim.set(STOP_COPY);
    CoreSim.drain(s, out, () -> 5000);
    sim.set(STOP);
    return out.toByteArray();
  }

  /** Every split of the stream into two writes, and one byte per write, resume the same memory. */
  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void everySegmentationResumesTheSameMemory(boolean dataCrc) {
    long size = 4 * 4096;
    MemDevice src = device(size, dataCrc);
    byte[] stream = precopyStream(src);
    MemorySegment expected = MemorySegment.ofArray(new byte[(int) size]);
    src.readMemory(0, expected);
    MemorySegment got = MemorySegment.ofArray(new byte[(int) size]);
    MemorySegment whole = MemorySegment.ofArray(stream);

    MemDevice dst = device(size, !dataCrc);
    CoreSim sim = new CoreSim(dst.migration());
    for (int k = 0; k <= stream.length; k++) {
      dst.reset();
      ResumingStream r = (ResumingStream) sim.set(RESUMING);
      assertThat(r.write(whole.asSlice(0, k))).isEqualTo(k);
      assertThat(r.write(whole.asSlice(k))).isEqualTo(stream.length - k);
      sim.set(STOP);
      dst.readMemory(0, got);
      assertThat(got.mismatch(expected)).as("split at %d", k).isEqualTo(-1L);
    }

    dst.reset();
    CoreSim.feed((ResumingStream) sim.set(RESUMING), stream, () -> 1);
    sim.set(STOP);
    dst.readMemory(0, got);
    assertThat(got.toArray(ValueLayout.JAVA_BYTE))
        .isEqualTo(expected.toArray(ValueLayout.JAVA_BYTE));
  }
}
