package io.jvfio.cli;

import io.jvfio.devices.DemoHost;
import io.jvfio.devices.Models;
import io.jvfio.devices.memdev.MemDevice;
import io.jvfio.host.pci.Driver;
import io.jvfio.host.pci.FunctionSpec;
import io.jvfio.host.pci.Topology;
import io.jvfio.host.sdk.DeviceModel;
import io.jvfio.host.sdk.ModelRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A host's topology as the command line names it: a file, read whole as UTF-8 and parsed, or the
 * demo host when there is none. Whatever is wrong with a file (missing, a directory, unreadable,
 * not UTF-8, a line the parser refuses, a device model nobody registered) is a usage error that
 * names the file, found before any host is built.
 *
 * @param option the option that named the file ("--topology"), or null for a positional FILE
 * @param file the file, or null for a built-in host
 * @param name what the user calls the host: the file, or "the demo host"
 * @param migrates for each vfio-pci model of the topology, whether it can migrate
 */
record TopologyInput(
    String option, Path file, String name, Topology topology, Map<String, Boolean> migrates) {
  /** A 4096-function topology is about 300 KiB; anything past this is not a topology file. */
  static final int MAX_BYTES = 16 << 20;

  /** Reads and parses {@code file}, or gives the demo host's topology when it is null. */
  static TopologyInput read(String option, Path file) {
    if (file == null) {
      return builtIn("the demo host", DemoHost.topology());
    }
    String text = text(option, file);
    Topology t;
    try {
      t = Topology.parse(text);
    } catch (IllegalArgumentException e) {
      throw error(option, file, e.getMessage(), e);
    }
    return new TopologyInput(option, file, file.toString(), t, models(option, file, t));
  }

  /** A host jvfio carries, {@code name} ("the demo host") in messages. */
  static TopologyInput builtIn(String name, Topology t) {
    return new TopologyInput(null, null, name, t, models(null, null, t));
  }

  /** The function at {@code bdf} (kernel spelling), if the topology has one. */
  Optional<FunctionSpec> function(String bdf) {
    return topology.functions().stream().filter(f -> f.address().toString().equals(bdf)).findAny();
  }

  /** The vfio-pci functions whose model can migrate, in topology order. */
  List<String> migratable() {
    List<String> list = new ArrayList<>();
    for (FunctionSpec f : topology.functions()) {
      if (f.driver() instanceof Driver.VfioPci v && migrates.get(v.model())) {
        list.add(f.address().toString());
      }
    }
    return list;
  }

  /** Whether the model bound at {@code f} can migrate (false when it is no vfio-pci function). */
  boolean canMigrate(FunctionSpec f) {
    return f.driver() instanceof Driver.VfioPci v && migrates.get(v.model());
  }

  /**
   * The memdev memory the host commits when every memdev is full: {@code memdevBytes} for each
   * {@code memdev}, the default size for each {@code memdev-0xN} (those are not resized).
   */
  long memdevBytes(long memdevBytes) {
    long total = 0;
    for (FunctionSpec f : topology.functions()) {
      if (f.driver() instanceof Driver.VfioPci v) {
        if (v.model().equals(MemDevice.NAME)) {
          total += memdevBytes;
        } else if (v.model().startsWith(MemDevice.NAME + "-")) {
          total += MemDevice.Config.DEFAULT_MEMORY_SIZE;
        }
      }
    }
    return total;
  }

  /** How many {@code memdev} functions there are (the ones {@code --memdev-mib} sizes). */
  long memdevCount() {
    return topology.functions().stream()
        .filter(f -> f.driver() instanceof Driver.VfioPci v && v.model().equals(MemDevice.NAME))
        .count();
  }

  /** A usage error about this topology's content, naming the file when there is one. */
  UsageException error(String what) {
    return error(option, file, what, null);
  }

  /**
   * Every vfio-pci model of the topology, known to the registry, and whether it migrates: each
   * model is made once and destroyed (a memdev maps its memory lazily, so this costs no memory).
   */
  private static Map<String, Boolean> models(String option, Path file, Topology topology) {
    ModelRegistry registry = Models.registry();
    Map<String, Boolean> byModel = new HashMap<>();
    for (FunctionSpec f : topology.functions()) {
      if (!(f.driver() instanceof Driver.VfioPci v) || byModel.containsKey(v.model())) {
        continue;
      }
      if (!registry.names().contains(v.model())) {
        throw error(
            option,
            file,
            f.address()
                + " names the device model "
                + v.model()
                + ", which jvfio does not have (models: "
                + String.join(", ", registry.names())
                + ")",
            null);
      }
      DeviceModel m = registry.create(v.model());
      try {
        byModel.put(v.model(), m.migration() != null);
      } finally {
        m.destroy();
      }
    }
    return Map.copyOf(byModel);
  }

  private static String text(String option, Path file) {
    if (Files.isDirectory(file)) {
      throw error(option, file, "is a directory, not a topology file", null);
    }
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_BYTES + 1);
    } catch (NoSuchFileException e) {
      throw error(option, file, "no such file", e);
    } catch (AccessDeniedException e) {
      throw error(option, file, "permission denied", e);
    } catch (IOException e) {
      throw error(option, file, "cannot read it: " + e.getMessage(), e);
    }
    if (bytes.length > MAX_BYTES) {
      throw error(
          option, file, "larger than " + (MAX_BYTES >> 20) + " MiB, not a topology file", null);
    }
    CharsetDecoder utf8 =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult r = utf8.decode(in, out, true);
    if (r.isError()) {
      int at = in.position();
      throw error(
          option,
          file,
          String.format(
              "not UTF-8 text (byte 0x%02x at offset %d, line %d)",
              bytes[at] & 0xff, at, lineOf(bytes, at)),
          null);
    }
    utf8.flush(out);
    return out.flip().toString();
  }

  private static int lineOf(byte[] bytes, int offset) {
    int line = 1;
    for (int i = 0; i < offset; i++) {
      if (bytes[i] == '\n') {
        line++;
      }
    }
    return line;
  }

  private static UsageException error(String option, Path file, String what, Throwable cause) {
    if (file == null) {
      return new UsageException("the demo host: " + what, cause);
    }
    String where = option == null ? file.toString() : option + " " + file;
    return new UsageException(where + ": " + what, cause);
  }
}
