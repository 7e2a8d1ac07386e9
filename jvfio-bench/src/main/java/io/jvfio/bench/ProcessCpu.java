package io.jvfio.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.time.Duration;

/**
 * CPU time of a process, all its threads (exited ones included). The JDK's own figures
 * (ProcessHandle, OperatingSystemMXBean) come in clock ticks of 10 ms here, too coarse for a short
 * transfer; for this process the kernel's process CPU clock gives nanoseconds. Another process's
 * time is read in ticks.
 */
final class ProcessCpu {
  private ProcessCpu() {}

  /** Linux's CLOCK_PROCESS_CPUTIME_ID. */
  private static final int CLOCK_PROCESS_CPUTIME_ID = 2;

  private static final MethodHandle CLOCK_GETTIME = clockGettime();

  private static MethodHandle clockGettime() {
    try {
      Linker linker = Linker.nativeLinker();
      return linker
          .defaultLookup()
          .find("clock_gettime")
          .map(f ->
              linker.downcallHandle(
                  f,
                  FunctionDescriptor.of(
                      ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS)))
          .orElse(null);
    } catch (RuntimeException e) {
      // no native access: the tick-based figure is all there is
      return null;
    }
  }

  /** CPU time of {@code p} so far, in nanoseconds (0 when the OS does not say). */
  static long nanos(ProcessHandle p) {
    if (p.pid() == ProcessHandle.current().pid()) {
      long own = own();
      if (own >= 0) {
        return own;
      }
    }
    return p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
  }

  /** This process's CPU clock, or -1 when it cannot be read. */
  static long own() {
    if (CLOCK_GETTIME == null) {
      return -1;
    }
    try (Arena arena = Arena.ofConfined()) {
      // struct timespec: tv_sec and tv_nsec, two longs on 64-bit Linux
      MemorySegment ts = arena.allocate(16, 8);
      int rc = (int) CLOCK_GETTIME.invokeExact(CLOCK_PROCESS_CPUTIME_ID, ts);
      if (rc != 0) {
        return -1;
      }
      return ts.get(ValueLayout.JAVA_LONG, 0) * 1_000_000_000L + ts.get(ValueLayout.JAVA_LONG, 8);
    } catch (Throwable t) {
      if (t instanceof Error e) {
        throw e;
      }
      return -1;
    }
  }
}
