package io.jvfio.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.fuzz.SyscallMachine.Op;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The saved seeds are what they claim to be: the syscall programs reach bound, attached and
 * migrating devices, the wire streams are read to their end, every model accepts its saved image
 * and every topology builds a host. A decoder or format change that silently turned the corpus into
 * noise fails here.
 */
class SeedsTest {
  @Test
  void syscallProgramsReachDeepStates() throws Exception {
    Map<String, byte[]> seeds = seeds("SyscallFuzzTestInputs/syscalls");
    assertThat(seeds)
        .containsKeys(
            "cdev-bind-attach-migrate",
            "group-container-device-fd",
            "group-on-iommufd",
            "every-request-on-every-fd");
    Map<Op, Integer> cdev = SyscallFuzzTest.run(seeds.get("cdev-bind-attach-migrate"), avoid());
    assertThat(cdev.get(Op.BIND)).isEqualTo(2);
    assertThat(cdev.get(Op.ATTACH)).isEqualTo(2);
    assertThat(cdev.get(Op.MIG_SET)).isEqualTo(4);
    assertThat(cdev.get(Op.READ)).as("reads of the saving fd, also passed").isEqualTo(2);
    Map<Op, Integer> group = SyscallFuzzTest.run(seeds.get("group-container-device-fd"), avoid());
    assertThat(group.get(Op.GET_DEVICE_FD)).isEqualTo(1);
    assertThat(group.get(Op.MIG_SET)).isEqualTo(4);
    Map<Op, Integer> compat = SyscallFuzzTest.run(seeds.get("group-on-iommufd"), avoid());
    assertThat(compat.get(Op.GET_DEVICE_FD)).isEqualTo(1);
    assertThat(compat.get(Op.BIND)).as("BIND while the group is in use").isNull();
    Map<Op, Integer> sweep = SyscallFuzzTest.run(seeds.get("every-request-on-every-fd"), avoid());
    assertThat(sweep.get(Op.IOCTL)).isPositive();
  }

  @Test
  void wireStreamsAreReadToTheirEnd() throws Exception {
    Map<String, byte[]> fwd = seeds("WireFuzzTestInputs/forwardStream");
    // header, 2 setups, init-data-sent, data, 2 end-of-states, config, trailer
    assertThat(WireFuzzTest.forward(fwd.get("two-devices-committed"))).isEqualTo(8);
    assertThat(WireFuzzTest.forward(fwd.get("aborted"))).isEqualTo(2);
    // setup, 2 RAM records (first pass), data, end-of-state, 2 RAM records (second pass),
    // stop-copy, end-of-state, 2 RAM records (stop-copy), trailer
    assertThat(WireFuzzTest.forward(fwd.get("vm-with-guest-ram"))).isEqualTo(12);
    // setup, RAM_ZERO, RAM_PAGES, abort
    assertThat(WireFuzzTest.forward(fwd.get("vm-aborted-in-guest-ram"))).isEqualTo(4);
    // the 1 GiB claim passes the size check, then the input ends inside the first window
    assertThat(WireFuzzTest.forward(fwd.get("claims-a-gigabyte"))).isZero();
    assertThat(WireFuzzTest.back(seeds("WireFuzzTestInputs/backChannel").get("every-message")))
        .isEqualTo(5);
  }

  @Test
  void everyModelAcceptsItsSavedImage() throws Exception {
    Map<String, byte[]> seeds = seeds("ResumeFuzzTestInputs/resume");
    // the other inputs there are former findings, kept as regression inputs: crafted images
    seeds.keySet().retainAll(ResumeFuzzTest.MODELS);
    assertThat(seeds.keySet()).containsExactlyInAnyOrderElementsOf(ResumeFuzzTest.MODELS);
    for (Map.Entry<String, byte[]> e : seeds.entrySet()) {
      assertThat(ResumeFuzzTest.run(e.getValue())).as(e.getKey()).isTrue();
      byte[] cut = java.util.Arrays.copyOf(e.getValue(), e.getValue().length - 1);
      assertThat(ResumeFuzzTest.run(cut)).as("%s one byte short", e.getKey()).isFalse();
    }
  }

  @Test
  void everyTopologyBuildsAHost() throws Exception {
    Map<String, byte[]> seeds = seeds("TopologyFuzzTestInputs/topology");
    // the other inputs there are former findings, kept as regression inputs
    seeds
        .keySet()
        .retainAll(
            java.util.Set.of(
                "default-host",
                "demo-host",
                "every-model",
                "host-driver",
                "lab-vm",
                "nested-bridge"));
    assertThat(seeds).hasSize(6);
    for (Map.Entry<String, byte[]> e : seeds.entrySet()) {
      assertThat(TopologyFuzzTest.check(new String(e.getValue(), "UTF-8"))).as(e.getKey()).isTrue();
    }
  }

  private static Avoid avoid() {
    return Avoid.NOTHING;
  }

  private static Map<String, byte[]> seeds(String dir) throws IOException, URISyntaxException {
    Path d =
        Path.of(SeedsTest.class.getResource(SeedsTest.class.getSimpleName() + ".class").toURI())
            .getParent()
            .resolve(dir);
    Map<String, byte[]> m = new TreeMap<>();
    try (Stream<Path> files = Files.list(d)) {
      for (Path f : files.toList()) {
        m.put(f.getFileName().toString(), Files.readAllBytes(f));
      }
    }
    return m;
  }
}
