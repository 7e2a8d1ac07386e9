package io.jvfio.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jvfio.devices.Models;
import io.jvfio.devices.memdev.MemDevice;
import io.jvfio.devices.mtty.MttyDevice;
import io.jvfio.devices.mtty.SerialPort;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.pci.Topology;
import io.jvfio.host.sdk.DeviceModel;
import io.jvfio.host.sdk.ModelRegistry;
import io.jvfio.host.testkit.Devices;
import io.jvfio.host.testkit.Migrations;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.MigrationState;
import io.jvfio.uapi.vfio.VfioConstants;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Fuzz target 4: every migratable model's resuming stream. The input picks a model and a write
 * size, and the rest is written to the device's resuming data fd through the host; then RESUMING to
 * STOP and RUNNING, and guest register and memory accesses. Only errnos may come back; a model that
 * accepted the image (the STOP arc succeeded) must run, work, and save itself again.
 */
class ResumeFuzzTest {
  /** One function per model, in this order; the input's first byte picks one. */
  static final List<String> MODELS =
      List.of("memdev", "mtty", "mtty2", "memdev-stop-copy", "mtty-0x1");

  /** The shipped models, memdev small, plus a small memdev with STOP_COPY alone. */
  static ModelRegistry registry() {
    return Models.registry(SyscallFuzzTest.MEMDEV)
        .register(
            "memdev-stop-copy",
            () ->
                new MemDevice(
                    SyscallFuzzTest.MEMDEV.withMigrationFlags(
                        VfioConstants.VFIO_MIGRATION_STOP_COPY)));
  }

  static final Topology TOPOLOGY = topology();

  private static final int[] CHUNKS = {1, 7, 36, 512, 4096, 64 << 10};

  @FuzzTest(maxDuration = "5s")
  void resume(FuzzedDataProvider data) {
    byte[] input = data.consumeRemainingAsBytes();
    Bounded.run(() -> run(input));
  }

  private static Topology topology() {
    StringBuilder t = new StringBuilder();
    for (int i = 0; i < MODELS.size(); i++) {
      t.append(
          String.format(
              "function 0000:00:%02x.0 1b36:0010 driver=vfio-pci:%s flr=yes group=%d%n",
              i + 1, MODELS.get(i), i + 1));
    }
    return Topology.parse(t.toString());
  }

  /** An input for {@code model} written in chunks of {@code chunk} (an index into the sizes). */
  static byte[] input(int model, int chunk, byte[] image) {
    return new Program().u8(model).u8(chunk).bytes(image).toBytes();
  }

  /** Returns true when the model accepted the image and ran. */
  static boolean run(byte[] input) {
    Cursor c = new Cursor(input);
    int model = c.pick(MODELS.size());
    int chunk = CHUNKS[c.pick(CHUNKS.length)];
    byte[] image = c.bytes(Math.max(0, input.length - 2));
    try (Host host = new Host(TOPOLOGY, registry())) {
      Quiescence idle = new Quiescence(host);
      DeviceModel dm = Migrations.device(host, model).model();
      HostProcess p = host.process("resumer");
      boolean accepted;
      try {
        int dev = Migrations.open(p, host, model);
        Migrations.set(p, dev, MigrationState.STOP);
        int fd = Migrations.set(p, dev, MigrationState.RESUMING);
        for (int at = 0; at < image.length; ) {
          int to = Math.min(image.length, at + chunk);
          long n = Migrations.write(p, fd, image, at, to);
          errno(n);
          assertThat(n).isLessThanOrEqualTo(to - at);
          if (n <= 0) {
            break;
          }
          at += (int) n;
        }
        Migrations.SetResult stop = Migrations.setState(p, dev, MigrationState.STOP.value());
        errno(stop.ret());
        accepted = stop.ret() == 0;
        if (accepted) {
          Migrations.set(p, dev, MigrationState.RUNNING);
          exercise(dm);
          // what was accepted can be saved again
          Migrations.set(p, dev, MigrationState.STOP);
          int save = Migrations.set(p, dev, MigrationState.STOP_COPY);
          assertThat(Migrations.readAll(p, save, 64 << 10)).isNotEmpty();
          Migrations.set(p, dev, MigrationState.STOP);
          Migrations.set(p, dev, MigrationState.RUNNING);
        } else {
          // a refused image leaves the device in some state; a reset must bring it back to RUNNING
          int state = Migrations.getState(p, dev);
          errno(state);
          assertThat(Devices.deviceReset(p, dev)).as("RESET after a refused image").isZero();
          assertThat(Migrations.state(p, dev)).isEqualTo(MigrationState.RUNNING);
          exercise(dm);
        }
        // region access through the fd: the emulated functions have no BARs, so only an errno
        errno(p.read(dev, MemorySegment.ofArray(new byte[8])));
        errno(p.write(dev, MemorySegment.ofArray(new byte[8])));
      } finally {
        p.close();
      }
      idle.check(List.of(), List.of());
      return accepted;
    }
  }

  /** Guest accesses to the running model: registers of every port, memory and the workload. */
  private static void exercise(DeviceModel dm) {
    if (dm instanceof MttyDevice m) {
      for (int port = 0; port < m.portCount(); port++) {
        for (int reg = SerialPort.RX_TX; reg <= SerialPort.SCR; reg++) {
          m.readRegister(port, reg);
        }
        m.writeRegister(port, SerialPort.RX_TX, 'x');
        m.readRegister(port, SerialPort.RX_TX);
      }
    } else if (dm instanceof MemDevice m) {
      assertThat(m.state()).isEqualTo(MigrationState.RUNNING);
      m.runWorkload(64);
      m.readMemory(0, MemorySegment.ofArray(new byte[4096]));
    }
  }

  /** A syscall's result: a value, or an errno Linux has. */
  private static void errno(long n) {
    if (n < 0) {
      assertThat(Errno.of(n)).as("errno %d", n).isPresent();
    }
  }
}
