package io.jvfio.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * This process's CPU time in nanoseconds, not in 10 ms ticks: a millisecond of work shows (the
 * JDK's figures moved in 10 ms steps, so a short transfer could cost "0" CPU).
 */
class ProcessCpuTest {
  @Test
  void aMillisecondOfWorkShowsInTheOwnCpuTime() {
    long before = ProcessCpu.nanos(ProcessHandle.current());
    long thread0 = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    long x = 0;
    // spin until this thread alone used a millisecond of CPU
    while (ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - thread0 < 1_000_000) {
      x += System.nanoTime() & 1;
    }
    long after = ProcessCpu.nanos(ProcessHandle.current());
    assertThat(after - before)
        .as("CPU ns over a 1 ms spin (%d)", x)
        .isGreaterThanOrEqualTo(1_000_000);
    assertThat(after).isPositive();
  }
}
