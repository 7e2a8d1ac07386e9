package io.jvfio.migration.engine;

/**
 * The one definition of downtime: from the moment the first source device leaves a running state
 * (RUNNING or PRE_COPY) until the destination runs every device. The two ends have different
 * clocks, so the source adds up what each clock measured and halves the remaining round trip for
 * the commit's one-way trip; it then sends the result to the destination, so both report the same.
 */
final class Downtime {
  private Downtime() {}

  /**
   * @param quiesce source clock: the first device leaves a running state
   * @param commit source clock: the COMMIT is flushed
   * @param answer source clock: the destination's running RESULT arrived
   * @param destination destination clock: from reading the COMMIT until every device ran
   */
  static long total(long quiesce, long commit, long answer, long destination) {
    long sourcePart = commit - quiesce;
    long destinationPart = Math.max(0, Math.min(destination, answer - commit));
    long oneWay = Math.max(0, (answer - commit - destinationPart) / 2);
    return sourcePart + oneWay + destinationPart;
  }
}
