package io.jvfio.fuzz;

import io.jvfio.devices.DemoHost;
import io.jvfio.devices.memdev.MemDevice;
import io.jvfio.devices.mtty.MttyDevice;
import io.jvfio.devices.mtty.SerialPort;
import io.jvfio.host.DefaultHost;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.sdk.DeviceModel;
import io.jvfio.host.testkit.Migrations;
import io.jvfio.migration.wire.BackWriter;
import io.jvfio.migration.wire.BytesChannel;
import io.jvfio.migration.wire.DeviceIdentity;
import io.jvfio.migration.wire.WireFormat;
import io.jvfio.migration.wire.WireWriter;
import io.jvfio.uapi.vfio.MigrationState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Makes the seed corpus of every target from real objects: device images saved by the models, wire
 * streams written by the engine's writers, the shipped topologies, and the syscall programs of
 * {@link SyscallSeeds}. Run it after a format change and commit what it writes:
 *
 * <pre>scripts/fuzz.sh seeds</pre>
 */
public final class SeedWriter {
  static final Path RESOURCES = Path.of("src/test/resources/io/jvfio/fuzz");

  private SeedWriter() {}

  public static void main(String[] args) throws IOException {
    Path root = args.length > 0 ? Path.of(args[0]) : RESOURCES;
    write(root, "SyscallFuzzTestInputs/syscalls", SyscallSeeds.all());
    write(root, "TopologyFuzzTestInputs/topology", topologies());
    write(root, "WireFuzzTestInputs/forwardStream", forwardStreams());
    write(root, "WireFuzzTestInputs/backChannel", backChannels());
    write(root, "ResumeFuzzTestInputs/resume", images());
  }

  private static void write(Path root, String dir, Map<String, byte[]> seeds) throws IOException {
    Path d = root.resolve(dir);
    Files.createDirectories(d);
    for (Map.Entry<String, byte[]> e : seeds.entrySet()) {
      Files.write(d.resolve(e.getKey()), e.getValue());
    }
  }

  static Map<String, byte[]> topologies() {
    Map<String, byte[]> m = new LinkedHashMap<>();
    m.put("demo-host", utf8(DemoHost.text()));
    m.put("default-host", utf8(DefaultHost.text("default.topology")));
    m.put("lab-vm", utf8(DefaultHost.text("lab-vm.topology")));
    m.put("host-driver", utf8(DefaultHost.withHostDriver().format()));
    m.put("nested-bridge", utf8(DefaultHost.withNestedBridge().format()));
    m.put("every-model", utf8(ResumeFuzzTest.TOPOLOGY.format()));
    return m;
  }

  /** The nonce every forward seed echoes (its first 16 bytes, see {@link WireFuzzTest}). */
  static final byte[] NONCE = "fuzz-seed-nonce!".getBytes(StandardCharsets.US_ASCII);

  static Map<String, byte[]> forwardStreams() {
    Map<String, byte[]> images = images();
    List<DeviceIdentity> ids =
        List.of(
            new DeviceIdentity(0, DemoHost.MEMDEV_A, "memdev", 0x1b36, 0x0005, 7),
            new DeviceIdentity(1, DemoHost.MTTY, "mtty", 0x1b36, 0x0002, 7));
    byte[] memdev = strip(images.get("memdev"));
    byte[] mtty = strip(images.get("mtty"));
    Map<String, byte[]> m = new LinkedHashMap<>();
    m.put(
        "two-devices-committed",
        stream(w -> {
          w.header(NONCE, ids);
          w.setup(0);
          w.setup(1);
          w.initDataSent(0);
          w.data(0, MemorySegment.ofArray(memdev));
          w.endOfState(0);
          w.config(1, MemorySegment.ofArray(mtty));
          w.endOfState(1);
          w.trailer();
          w.commit();
          w.outcome(12_000_000L, 300_000_000L);
        }));
    m.put("vm-with-guest-ram", vmWithGuestRam(ids.subList(0, 1), memdev));
    m.put(
        "vm-aborted-in-guest-ram",
        stream(w -> {
          w.header(NONCE, ids.subList(0, 1), SEED_RAM_PAGES * WireFormat.RAM_PAGE_BYTES);
          w.setup(0);
          w.ramZero(0, SEED_RAM_PAGES);
          w.ramPages(0, pages(1, 9));
          w.abort("the source gave up during the guest RAM");
        }));
    m.put("claims-a-gigabyte", claimsAGigabyte(ids));
    m.put(
        "aborted",
        stream(w -> {
          w.header(NONCE, ids.subList(0, 1));
          w.setup(0);
          w.abort("the source gave up");
        }));
    m.put(
        "no-devices",
        stream(w -> {
          w.header(NONCE, List.of());
          w.trailer();
          w.abort("refused after the trailer");
        }));
    return m;
  }

  /** Pages of guest RAM the RAM seeds announce: small, so that mutations reach every field. */
  static final long SEED_RAM_PAGES = 16;

  /**
   * A VM migrated as the engine does it: a first pass over every RAM page (data pages and a run of
   * zero pages), the device's precopy, a second pass of the pages written meanwhile, then the
   * device's stop-copy and the RAM's last dirty pages, committed.
   */
  private static byte[] vmWithGuestRam(List<DeviceIdentity> ids, byte[] memdev) {
    long page = WireFormat.RAM_PAGE_BYTES;
    return stream(w -> {
      w.header(NONCE, ids, SEED_RAM_PAGES * page);
      w.setup(0);
      w.ramPages(0, pages(3, 1));
      w.ramZero(3 * page, SEED_RAM_PAGES - 3);
      w.data(0, MemorySegment.ofArray(memdev));
      w.endOfState(0);
      w.ramPages(page, pages(1, 2));
      w.ramZero(7 * page, 2);
      w.stopCopy(0);
      w.endOfState(0);
      w.ramPages(2 * page, pages(1, 3));
      w.ramZero(15 * page, 1);
      w.trailer();
      w.commit();
      w.outcome(9_000_000L, 300_000_000L);
    });
  }

  /** {@code n} pages of random bytes. */
  private static MemorySegment pages(int n, long seed) {
    byte[] b = new byte[n * WireFormat.RAM_PAGE_BYTES];
    new SplittableRandom(seed).nextBytes(b);
    return MemorySegment.ofArray(b);
  }

  /**
   * A DATA record that claims 1 GiB and then ends after a few bytes: a reader that sized its buffer
   * (or its read) by the claim shows here.
   */
  private static byte[] claimsAGigabyte(List<DeviceIdentity> ids) {
    byte[] valid =
        stream(w -> {
          w.header(NONCE, ids.subList(0, 1));
          w.data(0, MemorySegment.ofArray(new byte[16]));
        });
    // the record's last 16 + 4 bytes are payload and CRC; the 8 before them are its size
    java.nio.ByteBuffer.wrap(valid).putLong(valid.length - 28, 1L << 30);
    return valid;
  }

  static Map<String, byte[]> backChannels() {
    BytesChannel ch = BytesChannel.writing();
    BackWriter w = new BackWriter(ch, 2);
    try {
      w.hello(NONCE);
      w.keepAlive();
      w.switchoverAck(1);
      w.result(true, "devices running", Map.of(0, "sha256:00", 1, "sha256:11"));
      w.abort("no");
      w.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    byte[] all = ch.written();
    byte[] withCount = new byte[all.length + 1];
    withCount[0] = 2; // the device count the reader checks indices against
    System.arraycopy(all, 0, withCount, 1, all.length);
    return Map.of("every-message", withCount);
  }

  /** One valid saved image per model, as resume inputs (model byte, chunk byte, image). */
  static Map<String, byte[]> images() {
    Map<String, byte[]> m = new LinkedHashMap<>();
    for (int i = 0; i < ResumeFuzzTest.MODELS.size(); i++) {
      try (Host host = new Host(ResumeFuzzTest.TOPOLOGY, ResumeFuzzTest.registry())) {
        HostProcess p = host.process("saver");
        int dev = Migrations.open(p, host, i);
        touch(Migrations.device(host, i).model(), i);
        Migrations.set(p, dev, MigrationState.STOP);
        int fd = Migrations.set(p, dev, MigrationState.STOP_COPY);
        byte[] image = Migrations.readAll(p, fd, 4096);
        m.put(ResumeFuzzTest.MODELS.get(i), ResumeFuzzTest.input(i, i % 6, image));
        p.close();
      }
    }
    return m;
  }

  /** Gives a model some state of its own, so that its image is not the power-on one. */
  private static void touch(DeviceModel model, long seed) {
    if (model instanceof MemDevice d) {
      byte[] b = new byte[4096];
      new SplittableRandom(seed).nextBytes(b);
      d.writeMemory(2048, MemorySegment.ofArray(b)); // across both pages
    } else if (model instanceof MttyDevice d) {
      for (int port = 0; port < d.portCount(); port++) {
        d.writeRegister(port, SerialPort.SCR, 0x5a + port);
        d.writeRegister(port, SerialPort.LCR, 0x03);
        d.port(port).transmit("hi".getBytes(StandardCharsets.US_ASCII));
      }
    }
  }

  private static byte[] strip(byte[] resumeInput) {
    return java.util.Arrays.copyOfRange(resumeInput, 2, resumeInput.length);
  }

  private interface Writes {
    void to(WireWriter w) throws IOException;
  }

  private static byte[] stream(Writes body) {
    BytesChannel ch = BytesChannel.writing();
    try {
      WireWriter w = new WireWriter(ch);
      body.to(w);
      w.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    byte[] s = ch.written();
    byte[] input = new byte[WireFormat.NONCE_BYTES + s.length];
    System.arraycopy(NONCE, 0, input, 0, NONCE.length);
    System.arraycopy(s, 0, input, WireFormat.NONCE_BYTES, s.length);
    return input;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
