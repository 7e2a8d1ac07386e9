package io.jvfio.conformance;

import io.jvfio.uapi.Errno;
import io.jvfio.uapi.Syscalls;

/**
 * Runs the kit on one device through any {@link Syscalls}: the emulated host's process or, later,
 * the real kernel. The expectations come from the uAPI's rules as the check classes state them,
 * never from an implementation, so the same kit judges both.
 *
 * <p>Without {@code destructive} only checks that leave the device's migration state alone run (the
 * FEATURE header rules, probes, GETs, BIND and ATTACH refusals); the FSM pairs, the data fd rules
 * and the reset are reported as skipped, with the reason.
 */
public final class ConformanceKit {
  static final String DESTRUCTIVE = "changes the device's migration state; run with --destructive";

  private ConformanceKit() {}

  public static DeviceReport run(Syscalls sys, Target target, boolean destructive) {
    Recorder r = new Recorder();
    BindChecks.run(sys, target, r);
    int scope = 0;
    try (RawDevice d = RawDevice.open(sys, target)) {
      long flags = d.migrationFlags();
      FeatureChecks.run(d, flags, r);
      DmaLoggingChecks.run(d, r);
      if (target.isMdev()) {
        HotResetChecks.mdev(d, destructive, r);
      } else if (HotResetChecks.cdev(d, target.device(), destructive, r)) {
        scope = HotResetChecks.scopeCount(d);
      }
      if (flags < 0) {
        r.skip(
            "fsm",
            "linux-migration.md §3",
            "not migratable: VFIO_DEVICE_FEATURE_MIGRATION answered " + Errno.describe(flags));
      } else if (!destructive) {
        r.skip("fsm", "linux-migration.md §4-§6", DESTRUCTIVE);
        r.skip("datafd", "linux-migration.md §7, §8", DESTRUCTIVE);
        r.skip("reset", "linux-migration.md §11", DESTRUCTIVE);
      } else {
        migration(d, flags, r);
      }
    } catch (KitException e) {
      r.broken("open", "linux-cdev-hot-reset.md §3.2, §3.4", "the device opens and binds", e);
    }
    // after the cdev is closed: a group and a bound cdev of one device exclude each other
    GroupChecks.run(sys, target, r);
    if (scope > 0) {
      HotResetChecks.group(sys, target, scope, destructive, r);
    }
    return new DeviceReport(target.device(), r.results());
  }

  private static void migration(RawDevice d, long flags, Recorder r) {
    byte[] image;
    try {
      image = d.ownImage();
    } catch (KitException e) {
      r.broken(
          "datafd.own-image",
          "linux-migration.md §7.2",
          "RUNNING to STOP_COPY, read to the end, reset",
          e);
      return;
    }
    FsmChecks.run(d, flags, image, r);
    DataFdChecks.run(d, flags, image, r);
  }
}
