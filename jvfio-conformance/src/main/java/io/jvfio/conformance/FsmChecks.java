package io.jvfio.conformance;

import static io.jvfio.uapi.vfio.VfioConstants.*;

/**
 * Every (from, to) pair a device's flags allow, plus requests for states it lacks, ERROR and a
 * value past the enum, each judged against {@link MigrationRules}: the SET's answer, the state it
 * echoes, the state a GET then reads, and whether a data fd came back. Each pair starts from a
 * reset (RUNNING) and reaches {@code from} with one SET; RESUMING is fed the device's own image
 * first, so that leaving it through STOP meets a complete stream.
 */
final class FsmChecks {
  private static final String SOURCE =
      "linux-migration.md §4-§6; vfio_main.c vfio_ioctl_device_feature_mig_device_state,"
          + " vfio_mig_get_next_state";

  private FsmChecks() {}

  static void run(RawDevice d, long flags, byte[] image, Recorder r) {
    for (int from = VFIO_DEVICE_STATE_STOP; from < VFIO_DEVICE_STATE_NR; from++) {
      if (!MigrationRules.exists(flags, from)) {
        continue;
      }
      for (int to = VFIO_DEVICE_STATE_ERROR; to <= VFIO_DEVICE_STATE_NR; to++) {
        String name =
            "fsm." + MigrationRules.name(from) + "->" + MigrationRules.name(to).replace(' ', '-');
        MigrationRules.Expected want = MigrationRules.set(flags, from, to);
        try {
          reach(d, from, image);
          RawDevice.Set s = d.set(to);
          int after = d.state();
          r.check(
              name,
              SOURCE,
              want.text(to),
              MigrationRules.describe(Outcome.of(s.ret()), s.echoed(), after, s.gaveFd()));
        } catch (KitException e) {
          r.broken(name, SOURCE, want.text(to), e);
        } finally {
          d.closeDataFds();
        }
      }
    }
    d.mustReset();
  }

  /** From a reset to {@code from}; in RESUMING the device's own image is written first. */
  private static void reach(RawDevice d, int from, byte[] image) {
    d.mustReset();
    if (from == VFIO_DEVICE_STATE_RUNNING) {
      return;
    }
    RawDevice.Set s = d.mustSet(from, "to reach the pair's first state");
    if (from == VFIO_DEVICE_STATE_RESUMING) {
      if (!s.gaveFd()) {
        throw new KitException("entering RESUMING gave no data fd to resume through");
      }
      long n = d.writeAll(s.dataFd(), image);
      if (n != image.length) {
        throw new KitException(
            "the resuming fd took "
                + (n < 0 ? Outcome.of(n) : n + " bytes")
                + " of the device's own "
                + image.length
                + "-byte image");
      }
    }
  }
}
