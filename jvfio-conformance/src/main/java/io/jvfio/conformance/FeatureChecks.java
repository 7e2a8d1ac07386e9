package io.jvfio.conformance;

import static io.jvfio.uapi.vfio.VfioConstants.*;

import java.util.Set;

/**
 * VFIO_DEVICE_FEATURE's header rules and their order (linux-migration.md §2.2, §2.3, §3, §5, §9,
 * §12; vfio_main.c {@code vfio_ioctl_device_feature} and include/linux/vfio.h {@code
 * vfio_check_feature}). None of them changes the device's state.
 */
final class FeatureChecks {
  private static final String HEADER =
      "linux-migration.md §2.2; vfio_main.c vfio_ioctl_device_feature";
  private static final String CHECK =
      "linux-migration.md §2.3; include/linux/vfio.h vfio_check_feature";
  private static final String MIGRATION =
      "linux-migration.md §3, §12; vfio_main.c vfio_ioctl_device_feature_migration";
  private static final String STATE =
      "linux-migration.md §5; vfio_main.c vfio_ioctl_device_feature_mig_device_state";
  private static final String DATA_SIZE =
      "linux-migration.md §9; vfio_main.c vfio_ioctl_device_feature_migration_data_size";

  /** An index no kernel and no driver defines. */
  private static final int UNKNOWN_INDEX = 0xffff;

  /** Bit 19, the lowest flag bit outside MASK|GET|SET|PROBE. */
  private static final int UNDEFINED_BIT = 1 << 19;

  /** Since late 2025 an unknown index is ENOTTY; before, EINVAL when the driver had no op. */
  private static final Set<String> UNKNOWN_INDEX_ANSWERS = Set.of("ENOTTY", "EINVAL");

  private static final int GET = VFIO_DEVICE_FEATURE_GET;
  private static final int SET = VFIO_DEVICE_FEATURE_SET;
  private static final int PROBE = VFIO_DEVICE_FEATURE_PROBE;

  private FeatureChecks() {}

  static void run(RawDevice d, long flags, Recorder r) {
    boolean migratable = flags >= 0;
    r.check("feature.argsz-short", HEADER, "EINVAL", Outcome.of(d.feature(4, GET | 1)));
    r.check(
        "feature.undefined-flag-bit",
        HEADER,
        "EINVAL",
        Outcome.of(d.feature(16, GET | UNDEFINED_BIT | VFIO_DEVICE_FEATURE_MIGRATION)));
    r.check(
        "feature.get-and-set-without-probe",
        HEADER,
        "EINVAL",
        Outcome.of(d.feature(16, GET | SET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE)));
    r.check(
        "feature.unknown-index",
        HEADER + "; commit \"vfio: return -ENOTTY for unsupported device feature\"",
        UNKNOWN_INDEX_ANSWERS,
        "ENOTTY (EINVAL before late 2025)",
        Outcome.of(d.feature(16, PROBE | GET | UNKNOWN_INDEX)));
    // the header is judged before the index is dispatched: a bad header on an unknown index is
    // EINVAL, never the dispatch's ENOTTY
    r.check(
        "feature.order.argsz-before-index",
        HEADER,
        "EINVAL",
        Outcome.of(d.feature(4, GET | UNKNOWN_INDEX)));
    r.check(
        "feature.order.flag-bits-before-index",
        HEADER,
        "EINVAL",
        Outcome.of(d.feature(16, GET | UNDEFINED_BIT | UNKNOWN_INDEX)));
    r.check(
        "feature.order.get-set-before-index",
        HEADER,
        "EINVAL",
        Outcome.of(d.feature(16, GET | SET | UNKNOWN_INDEX)));
    if (!migratable) {
      String none = "ENOTTY";
      r.check(
          "migration.probe-on-non-migratable",
          MIGRATION,
          none,
          Outcome.of(d.feature(16, PROBE | GET | VFIO_DEVICE_FEATURE_MIGRATION)));
      r.check(
          "mig-state.probe-on-non-migratable",
          STATE,
          none,
          Outcome.of(d.feature(16, PROBE | GET | SET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE)));
      r.check(
          "mig-data-size.on-non-migratable",
          DATA_SIZE,
          none,
          Outcome.of(d.feature(16, GET | VFIO_DEVICE_FEATURE_MIG_DATA_SIZE)));
      return;
    }
    long unknownBits =
        flags & ~(VFIO_MIGRATION_STOP_COPY | VFIO_MIGRATION_P2P | VFIO_MIGRATION_PRE_COPY);
    r.check(
        "migration.flags",
        MIGRATION,
        "STOP_COPY set, no undefined bit",
        (flags & VFIO_MIGRATION_STOP_COPY) != 0 && unknownBits == 0
            ? "STOP_COPY set, no undefined bit"
            : String.format("flags 0x%x", flags));
    r.check(
        "migration.probe-get",
        CHECK,
        Outcome.OK,
        Outcome.of(d.feature(8, PROBE | GET | VFIO_DEVICE_FEATURE_MIGRATION)));
    r.check(
        "migration.probe-set-on-get-only",
        CHECK,
        "EINVAL",
        Outcome.of(d.feature(16, PROBE | SET | VFIO_DEVICE_FEATURE_MIGRATION)));
    r.check(
        "migration.no-operation",
        CHECK,
        "EINVAL",
        Outcome.of(d.feature(16, VFIO_DEVICE_FEATURE_MIGRATION)));
    r.check(
        "migration.payload-short",
        CHECK,
        "EINVAL",
        Outcome.of(d.feature(12, GET | VFIO_DEVICE_FEATURE_MIGRATION)));
    r.check(
        "mig-state.probe-get-set",
        CHECK + "; " + STATE,
        Outcome.OK,
        Outcome.of(d.feature(8, PROBE | GET | SET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE)));
    r.check(
        "mig-state.payload-short",
        CHECK,
        "EINVAL",
        Outcome.of(d.feature(12, GET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE)));
    var s = RawDevice.header(16, GET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE);
    io.jvfio.uapi.vfio.VfioDeviceFeatureMigState.DATA_FD.set(s.asSlice(8), 0x5a5a5a5a);
    int ret = d.feature(s);
    r.check(
        "mig-state.get-writes-no-fd",
        STATE,
        "ok, data_fd -1",
        Outcome.of(ret)
            + ", data_fd "
            + io.jvfio.uapi.vfio.VfioDeviceFeatureMigState.DATA_FD.get(s.asSlice(8)));
    r.check(
        "mig-data-size.get",
        DATA_SIZE,
        Outcome.OK,
        Outcome.of(d.feature(16, GET | VFIO_DEVICE_FEATURE_MIG_DATA_SIZE)));
    r.check(
        "mig-data-size.set-on-get-only",
        DATA_SIZE + "; " + CHECK,
        "EINVAL",
        Outcome.of(d.feature(16, SET | VFIO_DEVICE_FEATURE_MIG_DATA_SIZE)));
  }
}
