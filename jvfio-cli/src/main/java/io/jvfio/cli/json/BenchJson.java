package io.jvfio.cli.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.math.BigDecimal;
import java.util.List;

/** {@code jvfio bench ... --json}: one record per bench; rates in bytes per second. */
public final class BenchJson {
  private BenchJson() {}

  /** {@code bench datafd}. */
  public record DataFd(
      String result,
      String benchmark,
      int memoryMib,
      @JsonUnwrapped JmhRun jmh,
      List<DataFdRatio> ratios) {}

  /**
   * How long JMH measured, the same five fields in every JMH bench's object (unwrapped: they stand
   * beside the bench's own fields, not in an object of their own).
   */
  public record JmhRun(
      int forks, int warmupIterations, long warmupMs, int iterations, long iterationMs) {}

  /** A data fd throughput against a copy of the same bytes; {@code ratio} null when unknown. */
  public record DataFdRatio(
      String direction,
      int chunkBytes,
      long dataFdBytesPerSec,
      long copyBytesPerSec,
      BigDecimal ratio) {}

  /** {@code bench scale}: {@code result} is failed (with {@code error}) when a ratio is over. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Scale(
      String result,
      String benchmark,
      double target,
      @JsonUnwrapped JmhRun jmh,
      List<ScaleRatio> ratios,
      String error) {}

  /** One call's time at a size and at 16 times it, in nanoseconds per call. */
  public record ScaleRatio(
      String call,
      String of,
      long small,
      long large,
      long smallNanos,
      long largeNanos,
      BigDecimal ratio,
      boolean withinTarget) {}

  /**
   * {@code bench migration}: {@code result} "failed" when a target was missed ({@code error} says
   * which); {@code medianRatio} absent without measured rounds.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Migration(
      String result,
      String benchmark,
      int memdevMib,
      int devices,
      double dirtyRate,
      List<Round> rounds,
      BigDecimal medianRatio,
      BigDecimal throughputTarget,
      boolean throughputMet,
      boolean downtimeKept,
      List<Run> downtimeRuns,
      String error) {}

  /**
   * A throughput round: the migration's rate against raw TCP's, and the CPU time each JVM spent on
   * either transfer (all threads; the migration's includes both ends' digests).
   */
  public record Round(
      long bytes,
      long rawBytesPerSec,
      long migrationBytesPerSec,
      BigDecimal ratio,
      boolean warmup,
      long rawSourceCpuNanos,
      long rawDestinationCpuNanos,
      long migrationSourceCpuNanos,
      long migrationDestinationCpuNanos) {}

  /** A downtime run under a limit; {@code error} absent when it completed. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Run(
      long limitMs,
      boolean completed,
      BigDecimal sourceDowntimeMs,
      BigDecimal destinationDowntimeMs,
      boolean withinLimit,
      long stopCopyBytes,
      long totalMs,
      String error) {}

  /**
   * {@code bench guest-ram}: {@code result} is failed (with {@code error}) when a run was over the
   * limit, failed or ended with different digests, or the half-zero RAM was not smaller on the
   * wire.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record GuestRam(
      String result,
      String benchmark,
      int guestRamMib,
      int memdevMib,
      double dirtyRate,
      double dmaRate,
      double vcpuRate,
      GuestRamRun halfZero,
      BigDecimal halfZeroWireRatio,
      List<GuestRamRun> runs,
      String error) {}

  /** One migration of the VM; {@code error} absent when it completed. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record GuestRamRun(
      boolean completed,
      BigDecimal sourceDowntimeMs,
      BigDecimal destinationDowntimeMs,
      BigDecimal limitMs,
      boolean withinLimit,
      long ramBytes,
      long ramBytesSent,
      long ramZeroPages,
      long deviceBytes,
      long ramStopCopyBytes,
      long ramStopCopyEstimateBytes,
      String trackingMethod,
      boolean digestsEqual,
      long totalMs,
      String error) {}
}
