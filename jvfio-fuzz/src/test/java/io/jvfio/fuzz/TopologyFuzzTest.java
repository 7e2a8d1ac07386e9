package io.jvfio.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.pci.Topology;
import io.jvfio.uapi.OpenFlags;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuzz target 2: {@link Topology#parse}. Any text either parses into a topology (no more items than
 * lines, {@code parse(format())} gives it back) whose host constructs and whose every device node a
 * process can open and close leaving nothing behind, or fails with an {@link
 * IllegalArgumentException} that has a message; never another exception, never a hang.
 */
class TopologyFuzzTest {
  @FuzzTest(maxDuration = "5s")
  void topology(FuzzedDataProvider data) {
    String text = new String(data.consumeRemainingAsBytes(), StandardCharsets.UTF_8);
    Bounded.run(() -> check(text));
  }

  /** Returns true when the text made a host. */
  static boolean check(String text) {
    Topology t;
    try {
      t = Topology.parse(text);
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).isNotBlank();
      return false;
    }
    int lines = text.split("\n", -1).length;
    assertThat(t.functions().size() + t.slots().size() + t.mdevs().size())
        .isLessThanOrEqualTo(lines);
    assertThat(Topology.parse(t.format())).as("parse(format())").isEqualTo(t);
    Host host;
    try {
      host = new Host(t, ResumeFuzzTest.registry());
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).isNotBlank();
      return false;
    }
    try (host) {
      Quiescence idle = new Quiescence(host);
      HostProcess p = host.process("opener");
      List<Integer> fds = new ArrayList<>();
      for (String node : host.deviceNodes()) {
        int fd = p.open(node, OpenFlags.O_RDWR);
        assertThat(fd).as("open %s", node).isGreaterThanOrEqualTo(0);
        fds.add(fd);
      }
      for (int fd : fds) {
        assertThat(p.close(fd)).isZero();
      }
      p.close();
      idle.check(List.of(), List.of());
    }
    return true;
  }
}
