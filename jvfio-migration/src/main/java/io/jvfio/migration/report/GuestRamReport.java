package io.jvfio.migration.report;

/**
 * The guest RAM's part of a migration, as one end saw it.
 *
 * @param bytes the RAM's size
 * @param bytesSent page bytes that crossed the wire (sent by a sender, received by a receiver);
 *     zero pages travel as markers and count nothing here
 * @param zeroPages pages sent as zero-page markers
 * @param pagesDirtiedByCpu pages the guest CPUs wrote while the RAM was tracked (sender only; 0 at
 *     a receiver)
 * @param pagesDirtiedByDevices pages the devices wrote by DMA, as the tracking reported them
 *     (sender only)
 * @param iterations passes over the RAM's dirty pages that sent pages before the switchover (the
 *     first covers every page), counted from the order of the RAM records on the wire so that both
 *     ends give the same number: a record that starts below the end of the one before opens a pass
 * @param stopCopyBytes page bytes moved after the switchover, inside the downtime (part of {@code
 *     bytesSent})
 * @param stopCopyEstimateBytes the page bytes the source expected to move after the switchover when
 *     it decided to switch over (the RAM's part of its downtime estimate); -1 at a receiver or when
 *     the migration never reached the switchover
 * @param cpuThrottlePercent the most the sender's auto-converge throttled the guest's vCPUs, in
 *     percent of their time (0: never, or auto-converge off; 0 at a receiver)
 * @param trackingMethod how device writes were tracked ("device DMA logging", "iommufd dirty
 *     tracking", "none"); null at a receiver
 * @param trackingReason why that method
 * @param digest the RAM's digest when the source's devices and CPUs stopped (sender) or before the
 *     destination's devices ran (receiver); null when unknown
 * @param digestAlgorithm what {@code digest} is
 */
public record GuestRamReport(
    long bytes,
    long bytesSent,
    long zeroPages,
    long pagesDirtiedByCpu,
    long pagesDirtiedByDevices,
    int iterations,
    long stopCopyBytes,
    long stopCopyEstimateBytes,
    int cpuThrottlePercent,
    String trackingMethod,
    String trackingReason,
    String digest,
    String digestAlgorithm) {}
