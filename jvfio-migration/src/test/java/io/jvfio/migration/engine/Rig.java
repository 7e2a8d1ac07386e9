package io.jvfio.migration.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.client.Iommufd;
import io.jvfio.client.VfioDevice;
import io.jvfio.devices.Digests;
import io.jvfio.devices.fault.FaultyDevice;
import io.jvfio.devices.memdev.MemDevice;
import io.jvfio.devices.mtty.MttyDevice;
import io.jvfio.devices.mtty.SerialPort;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.pci.Topology;
import io.jvfio.host.sdk.DeviceModel;
import io.jvfio.host.sdk.ModelRegistry;
import io.jvfio.migration.report.MigrationReport;
import io.jvfio.migration.transport.Channel;
import io.jvfio.migration.transport.InMemoryChannels;
import io.jvfio.uapi.Syscalls;
import io.jvfio.uapi.vfio.MigrationState;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Test plumbing for the engine: hosts built from a list of device specs (each model wrapped in a
 * {@link FaultyDevice} and a {@link RecordingDevice}), devices opened through the client as a VMM
 * does, and a migration between two such hosts over an in-memory channel.
 */
final class Rig {
  /** The peer timeout the tests use: short, so that a hang costs seconds, not minutes. */
  static final Duration PEER_TIMEOUT = Duration.ofSeconds(3);

  private Rig() {}

  /**
   * One device: a model ("memdev" or "mtty"), its migration flags, the memdev memory size and the
   * memdev workload (dirtied pages per second).
   */
  record Spec(String model, long flags, long memoryBytes, double dirtyRate) {
    static Spec memdev(long flags) {
      return new Spec("memdev", flags, 4L << 20, 0);
    }

    static Spec memdev(long flags, long bytes, double rate) {
      return new Spec("memdev", flags, bytes, rate);
    }

    /** A memdev whose stream carries data checksums, so it notices a corrupted byte itself. */
    static Spec memdevChecksummed(long flags, long bytes) {
      return new Spec("memdev-crc", flags, bytes, 0);
    }

    static Spec mtty(long flags) {
      return new Spec("mtty", flags, 0, 0);
    }

    Spec withRate(double rate) {
      return new Spec(model, flags, memoryBytes, rate);
    }

    DeviceModel build() {
      return switch (model) {
        case "memdev", "memdev-crc", "memdev-nolog" ->
            new MemDevice(
                MemDevice.Config.defaults()
                    .withMemorySize(memoryBytes)
                    .withMigrationFlags(flags)
                    .withDirtyRate(dirtyRate)
                    .withDataCrc(model.equals("memdev-crc")));
        case "mtty" -> MttyDevice.withFlags(flags, 1);
        default -> throw new IllegalArgumentException("no model " + model);
      };
    }

    /** "memdev:7:4194304:0" or "mtty:7", for a command line. */
    String text() {
      return model + ":" + Long.toHexString(flags) + ":" + memoryBytes + ":" + dirtyRate;
    }

    static Spec parse(String s) {
      String[] p = s.split(":");
      return new Spec(
          p[0], Long.parseLong(p[1], 16), Long.parseLong(p[2]), Double.parseDouble(p[3]));
    }
  }

  static String text(List<Spec> specs) {
    return String.join(",", specs.stream().map(Spec::text).toList());
  }

  static List<Spec> parse(String text) {
    List<Spec> l = new ArrayList<>();
    for (String s : text.split(",")) {
      l.add(Spec.parse(s));
    }
    return l;
  }

  static String bdf(int i) {
    return String.format("0000:00:%02x.0", i + 1);
  }

  /** The cdev the client names device {@code i} by in its errors. */
  static String cdev(int i) {
    return "/dev/vfio/devices/vfio" + i;
  }

  /** One end of a migration: a host playing the specs, with every device opened by a "vmm". */
  static final class End implements AutoCloseable {
    final String side;
    final Host host;
    final List<FaultyDevice> faulty = new ArrayList<>();
    final List<DeviceModel> models = new ArrayList<>();
    final List<MigratingDevice> devices = new ArrayList<>();
    final HostProcess vmm;
    final Iommufd iommufd;

    End(String side, List<Spec> specs, RecordingDevice.Log log) {
      this(side, specs, log, sys -> sys);
    }

    /** {@code wrapDevices} may put a test double between the client's devices and the host. */
    End(
        String side,
        List<Spec> specs,
        RecordingDevice.Log log,
        UnaryOperator<Syscalls> wrapDevices) {
      this.side = side;
      StringBuilder t = new StringBuilder();
      ModelRegistry registry = new ModelRegistry();
      for (int i = 0; i < specs.size(); i++) {
        DeviceModel model = specs.get(i).build();
        FaultyDevice f = new FaultyDevice(model);
        DeviceModel outer = specs.get(i).model().equals("memdev-nolog") ? new NoDmaLogging(f) : f;
        RecordingDevice r = new RecordingDevice(side, i, log, outer);
        models.add(model);
        faulty.add(f);
        registry.register("m" + i, () -> r);
        t.append(
            String.format(
                "function %s 1b36:0010 driver=vfio-pci:m%d flr=yes group=%d%n", bdf(i), i, i + 1));
      }
      this.host = new Host(Topology.parse(t.toString()), registry);
      this.vmm = host.process("vmm-" + side);
      this.iommufd = Iommufd.open(vmm);
      for (int i = 0; i < specs.size(); i++) {
        var d = host.device(bdf(i)).orElseThrow();
        VfioDevice dev = VfioDevice.openCdev(wrapDevices.apply(vmm), d.cdevPath(), iommufd);
        devices.add(
            new MigratingDevice(
                dev,
                bdf(i),
                d.model().name(),
                d.pci().spec().vendor(),
                d.pci().spec().device(),
                Digests.of(faulty.get(i))));
      }
    }

    /**
     * Guest RAM of {@code bytes} in this end's VMM process, mapped at IOVA 0 for every device (so
     * memdev's DMA writes land in it), tracked as {@code choice} says.
     */
    GuestRam guestRam(long bytes, DirtyTracking.Choice choice) {
      GuestRam ram = new GuestRam(bytes, vmm.memory()::map);
      ram.attach(iommufd, devices, 0, choice);
      return ram;
    }

    /** The IOMMU behind device {@code i} keeps (or lacks) second-stage dirty bits. */
    void iommuDirtyBits(int i, boolean on) {
      host.device(bdf(i)).orElseThrow().group().iommuGroup().setDirtyTracking(on);
    }

    MemDevice memdev(int i) {
      return (MemDevice) models.get(i);
    }

    /** Gives every device content of its own: random memdev memory, mtty registers and FIFO. */
    End fill(long seed) {
      for (int i = 0; i < models.size(); i++) {
        switch (models.get(i)) {
          case MemDevice m -> m.fillRandom(seed + i);
          case MttyDevice m -> {
            m.writeRegister(0, SerialPort.SCR, (int) (seed + i));
            m.writeRegister(0, SerialPort.IIR_FCR, 0x01);
            for (int b = 0; b < 5; b++) {
              m.writeRegister(0, SerialPort.RX_TX, (int) (seed * 7 + b));
            }
            m.writeRegister(0, SerialPort.MCR, 0x0b);
          }
          default -> throw new IllegalStateException("no filler for " + models.get(i));
        }
      }
      return this;
    }

    /** Sets every memdev's workload rate. */
    void dirtyRate(double pagesPerSecond) {
      for (DeviceModel m : models) {
        if (m instanceof MemDevice d) {
          d.setDirtyRate(pagesPerSecond);
        }
      }
    }

    List<String> digests() {
      return devices.stream().map(MigratingDevice::digestOrNull).toList();
    }

    MigrationState state(int i) {
      return devices.get(i).device().migration().state();
    }

    List<MigrationState> states() {
      List<MigrationState> l = new ArrayList<>();
      for (int i = 0; i < devices.size(); i++) {
        l.add(state(i));
      }
      return l;
    }

    @Override
    public void close() {
      host.close();
    }
  }

  /** A device model whose DMA goes unlogged: DMA_LOGGING_* answer ENOTTY, as for most devices. */
  static final class NoDmaLogging extends io.jvfio.host.sdk.ForwardingDeviceModel {
    NoDmaLogging(DeviceModel inner) {
      super(inner);
    }

    @Override
    public io.jvfio.host.sdk.DmaLogging dmaLogging() {
      return null;
    }
  }

  /** Both reports of one migration. */
  record Outcome(MigrationReport source, MigrationReport destination) {}

  /**
   * Migrates {@code src} to {@code dst} over an in-memory channel, the destination in a thread of
   * its own; {@code wrapSource} and {@code wrapDestination} may put fault channels in between.
   */
  static Outcome migrate(
      End src,
      End dst,
      MigrationOptions options,
      ProgressListener progress,
      UnaryOperator<Channel> wrapSource,
      UnaryOperator<Channel> wrapDestination)
      throws Exception {
    try (InMemoryChannels.Pair pair = InMemoryChannels.pair(1 << 20)) {
      Channel a = wrapSource.apply(pair.a());
      Channel b = wrapDestination.apply(pair.b());
      CompletableFuture<MigrationReport> receiving =
          CompletableFuture.supplyAsync(
              () -> new MigrationDestination(dst.devices, b, options, ProgressListener.NONE).run(),
              r -> Thread.ofPlatform().name("test-destination").start(r));
      MigrationReport sent = new MigrationSource(src.devices, a, options, progress).run();
      MigrationReport received = receiving.get(30, TimeUnit.SECONDS);
      return new Outcome(sent, received);
    }
  }

  /** Migrates a VM: the devices of {@code src} with guest RAM {@code srcRam} to {@code dst}'s. */
  static Outcome migrateVm(
      End src,
      GuestRam srcRam,
      End dst,
      GuestRam dstRam,
      MigrationOptions options,
      ProgressListener progress)
      throws Exception {
    return migrateVm(src, srcRam, dst, dstRam, options, progress, s -> s);
  }

  /** As above, with the source engine adjusted by {@code tune} before it runs. */
  static Outcome migrateVm(
      End src,
      GuestRam srcRam,
      End dst,
      GuestRam dstRam,
      MigrationOptions options,
      ProgressListener progress,
      java.util.function.UnaryOperator<MigrationSource> tune)
      throws Exception {
    try (InMemoryChannels.Pair pair = InMemoryChannels.pair(1 << 20)) {
      CompletableFuture<MigrationReport> receiving =
          CompletableFuture.supplyAsync(
              () ->
                  new MigrationDestination(
                          dst.devices, dstRam, pair.b(), options, ProgressListener.NONE)
                      .run(),
              r -> Thread.ofPlatform().name("test-destination").start(r));
      MigrationReport sent =
          tune.apply(new MigrationSource(src.devices, srcRam, pair.a(), options, progress)).run();
      MigrationReport received = receiving.get(30, TimeUnit.SECONDS);
      return new Outcome(sent, received);
    }
  }

  static Outcome migrate(End src, End dst, MigrationOptions options) throws Exception {
    return migrate(src, dst, options, ProgressListener.NONE, c -> c, c -> c);
  }

  /** Short timeouts and a precopy that may not run for long. */
  static MigrationOptions options() {
    return MigrationOptions.defaults()
        .withPeerTimeout(PEER_TIMEOUT)
        .withMaxPrecopy(Duration.ofSeconds(2));
  }

  /** SHA-256 of {@code bytes} zero bytes: a memdev's digest after a reset. */
  /** memdev's digest of all-zero memory, worked out from its definition (hash of chunk hashes). */
  static String zeroDigest(long bytes) throws Exception {
    int chunk = 2 << 20;
    MessageDigest outer = MessageDigest.getInstance("SHA-256");
    byte[] zeros = new byte[chunk];
    for (long left = bytes; left > 0; left -= chunk) {
      MessageDigest inner = MessageDigest.getInstance("SHA-256");
      inner.update(zeros, 0, (int) Math.min(chunk, left));
      outer.update(inner.digest());
    }
    return HexFormat.of().formatHex(outer.digest());
  }

  // ---- the properties every failed migration must have ----

  /** The source: every device RUNNING again with the content it had before the migration. */
  static void assertSourceRecovered(End src, List<String> before, MigrationReport report) {
    assertThat(report.completed()).as("source result (error %s)", report.error()).isFalse();
    assertThat(report.error()).as("source error").isNotBlank();
    assertThat(src.states()).as("source device states").containsOnly(MigrationState.RUNNING);
    assertThat(src.digests()).as("source digests after the failure").isEqualTo(before);
    for (MigrationReport.DeviceReport d : report.devices()) {
      assertThat(d.finalState()).as("reported state of %s", d.bdf()).isEqualTo("RUNNING");
    }
  }

  /**
   * The destination: the migration failed there too, every device is RUNNING after a reset (memdev
   * memory zero again), and no device ran with loaded state before every device had accepted its
   * whole stream (RESUMING to STOP).
   */
  static void assertDestinationClean(
      End dst, MigrationReport report, RecordingDevice.Log log, List<Spec> specs) throws Exception {
    assertThat(report.completed()).as("destination result").isFalse();
    assertThat(dst.states()).as("destination device states").containsOnly(MigrationState.RUNNING);
    for (int i = 0; i < specs.size(); i++) {
      if (specs.get(i).model().equals("memdev")) {
        assertThat(dst.memdev(i).digest())
            .as("destination memdev %d content after the failure", i)
            .isEqualTo(zeroDigest(specs.get(i).memoryBytes()));
      }
    }
    assertNeverRanPartially(log.of(dst.side), specs.size());
  }

  /**
   * Peer DMA safety on one host: whenever a device (re)starts running (an arc into RUNNING or
   * PRE_COPY), every other device can still answer peer DMA (it is in RUNNING, RUNNING_P2P,
   * PRE_COPY or PRE_COPY_P2P), as QEMU ensures by moving every device to RUNNING_P2P before any to
   * RUNNING.
   */
  static void assertRunsOnlyBesidePeersThatAnswer(List<RecordingDevice.Event> events, int devices) {
    MigrationState[] state = new MigrationState[devices];
    java.util.Arrays.fill(state, MigrationState.RUNNING);
    Set<MigrationState> answering =
        EnumSet.of(
            MigrationState.RUNNING,
            MigrationState.RUNNING_P2P,
            MigrationState.PRE_COPY,
            MigrationState.PRE_COPY_P2P);
    for (RecordingDevice.Event e : events) {
      if (!e.isArc()) {
        state[e.device()] = MigrationState.RUNNING;
        continue;
      }
      if (!e.ok()) {
        continue;
      }
      state[e.device()] = e.to();
      if (e.to() == MigrationState.RUNNING || e.to() == MigrationState.PRE_COPY) {
        for (int d = 0; d < devices; d++) {
          assertThat(answering)
              .as("%s while device %d is in %s (events %s)", e, d, state[d], events)
              .contains(state[d]);
        }
      }
    }
  }

  /** No destination device went towards RUNNING before every device finished RESUMING to STOP. */
  static void assertNeverRanPartially(List<RecordingDevice.Event> dstEvents, int devices) {
    boolean[] loaded = new boolean[devices];
    int loadedCount = 0;
    boolean resuming = false;
    for (RecordingDevice.Event e : dstEvents) {
      if (e.arcInto(MigrationState.RESUMING)) {
        resuming = true;
      }
      if (e.isArc() && e.ok() && e.from() == MigrationState.RESUMING) {
        if (!loaded[e.device()]) {
          loaded[e.device()] = true;
          loadedCount++;
        }
      }
      if (resuming
          && e.arcInto(MigrationState.RUNNING_P2P, MigrationState.RUNNING)
          && e.from() != MigrationState.RUNNING) {
        assertThat(loadedCount)
            .as("devices that accepted their stream when %s happened (events %s)", e, dstEvents)
            .isEqualTo(devices);
      }
    }
  }
}
