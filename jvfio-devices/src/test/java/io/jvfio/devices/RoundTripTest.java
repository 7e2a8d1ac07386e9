package io.jvfio.devices;

import static io.jvfio.uapi.vfio.MigrationState.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.devices.memdev.MemDevice;
import io.jvfio.devices.mtty.MttyDevice;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.sdk.DeviceModel;
import io.jvfio.host.testkit.Migrations;
import io.jvfio.uapi.Errno;
import java.lang.foreign.MemorySegment;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Save and restore between two devices through the whole stack (FEATURE ioctls, data fds), in one
 * process and across two, for each sample model and flag set: the destination ends equal to the
 * source.
 */
class RoundTripTest {
  /** A sample model and how to give it content and read its state back. */
  record Sample(String name, Supplier<DeviceModel> make, Function<DeviceModel, String> digest) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> samples() {
    Stream.Builder<Arguments> b = Stream.builder();
    for (long flags : Models.FLAG_SETS) {
      for (boolean twoProcesses : new boolean[] {false, true}) {
        b.add(
            Arguments.of(
                new Sample(
                    "memdev-0x" + flags,
                    () ->
                        new MemDevice(
                            MemDevice.Config.defaults()
                                .withMemorySize(1 << 20)
                                .withMigrationFlags(flags)),
                    m -> ((MemDevice) m).digest()),
                twoProcesses));
        b.add(
            Arguments.of(
                new Sample(
                    "mtty2-0x" + flags,
                    () -> MttyDevice.withFlags(flags, 2),
                    m -> ((MttyDevice) m).portStates().toString()),
                twoProcesses));
      }
    }
    return b.build();
  }

  @ParameterizedTest(name = "{0}, two processes: {1}")
  @MethodSource("samples")
  void theDestinationEndsEqualToTheSource(Sample sample, boolean twoProcesses) {
    DeviceModel src = sample.make().get();
    DeviceModel dst = sample.make().get();
    try (Host host = Migrations.host(src, dst)) {
      HostProcess a = host.process("source");
      HostProcess b = twoProcesses ? host.process("destination") : a;
      int srcFd = Migrations.open(a, host, 0);
      int dstFd = Migrations.open(b, host, 1);
      give(src, 7);
      give(dst, 99);
      assertThat(sample.digest().apply(dst)).isNotEqualTo(sample.digest().apply(src));

      long flags = Migrations.migrationFlags(a, srcFd);
      int saving;
      if ((flags & 0x4) != 0) {
        saving = Migrations.set(a, srcFd, PRE_COPY);
        give(src, 8); // the device keeps running while precopy data flows
        int resuming = Migrations.set(b, dstFd, RESUMING);
        pump(a, saving, b, resuming, true);
        Migrations.set(a, srcFd, STOP_COPY);
        assertThat(Migrations.setState(a, srcFd, STOP_COPY.value()).dataFd()).isEqualTo(-1);
        pump(a, saving, b, resuming, false);
      } else {
        saving = Migrations.set(a, srcFd, STOP_COPY);
        int resuming = Migrations.set(b, dstFd, RESUMING);
        pump(a, saving, b, resuming, false);
      }
      Migrations.set(b, dstFd, RUNNING);
      assertThat(Migrations.state(b, dstFd)).isEqualTo(RUNNING);
      assertThat(sample.digest().apply(dst)).isEqualTo(sample.digest().apply(src));
      Migrations.set(a, srcFd, STOP);
      assertThat(a.read(saving, MemorySegment.ofArray(new byte[8])))
          .isEqualTo(Errno.ENODEV.negative());
    }
  }

  private static void give(DeviceModel m, long seed) {
    switch (m) {
      case MemDevice mem -> mem.fillRandom(seed);
      case MttyDevice mtty -> {
        RandomGenerator r = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
        for (int port = 0; port < 2; port++) {
          for (int i = 0; i < 5; i++) {
            mtty.writeRegister(port, 0, (byte) r.nextInt(256));
          }
          mtty.writeRegister(port, 7, (byte) r.nextInt(256));
        }
      }
      default -> throw new IllegalArgumentException(m.name());
    }
  }

  /**
   * Moves bytes from the saving fd (read by its process) to the resuming fd (written by its
   * process) in odd-sized chunks, as a transport between two hosts would. In PRE_COPY it stops at
   * the temporary end (0 or ENOMSG); otherwise at the permanent end.
   */
  private static void pump(
      HostProcess a, int saving, HostProcess b, int resuming, boolean precopy) {
    MemorySegment chunk = MemorySegment.ofArray(new byte[4093]);
    while (true) {
      long n = a.read(saving, chunk);
      if (n == 0 || (precopy && n == Errno.ENOMSG.negative())) {
        return;
      }
      assertThat(n).as("read").isPositive();
      long off = 0;
      while (off < n) {
        long w = b.write(resuming, chunk.asSlice(off, n - off));
        assertThat(w).as("write").isPositive();
        off += w;
      }
    }
  }
}
