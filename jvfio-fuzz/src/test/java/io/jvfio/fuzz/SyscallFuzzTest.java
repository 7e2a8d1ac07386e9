package io.jvfio.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jvfio.devices.DemoHost;
import io.jvfio.devices.Models;
import io.jvfio.devices.memdev.MemDevice;
import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.pci.Topology;
import java.util.List;
import java.util.Map;

/**
 * Fuzz target 1: programs of syscalls over every fd type of the demo host (see {@link
 * SyscallMachine}). After each input: no exception escaped and every call returned a value or an
 * errno; once every process has exited nothing is left behind ({@link Quiescence}); a fresh process
 * still binds, attaches and migrates ({@link RoundTrip}); and after that, again nothing is left.
 */
class SyscallFuzzTest {
  static final Topology TOPOLOGY = DemoHost.topology();

  /** Small memdev (two pages) keep a host cheap to build once per input and images short. */
  static final MemDevice.Config MEMDEV = MemDevice.Config.defaults().withMemorySize(8 << 10);

  private static final Avoid AVOID = Avoid.fromSystemProperty();

  @FuzzTest(maxDuration = "5s")
  void syscalls(FuzzedDataProvider data) {
    byte[] input = data.consumeRemainingAsBytes();
    Bounded.run(() -> run(input, AVOID));
  }

  /** One input, start to end; returns the successful calls per op. */
  static Map<SyscallMachine.Op, Integer> run(byte[] input, Avoid avoid) {
    try (Host host = new Host(TOPOLOGY, Models.registry(MEMDEV))) {
      Quiescence idle = new Quiescence(host);
      SyscallMachine m = new SyscallMachine(host, avoid);
      m.run(new Cursor(input));
      for (HostProcess p : m.processes) {
        p.close();
      }
      idle.check(m.files, m.mappings);
      RoundTrip.run(host, input.length);
      idle.check(List.of(), List.of());
      return m.succeeded;
    }
  }
}
