package io.jvfio.migration.engine;

/**
 * Counts the passes over guest RAM that a stream's RAM records make, the same way at both ends, so
 * that the sender and the receiver report the same number without a marker on the wire. A pass
 * walks its pages in rising address order, so a record that starts below the end of the record
 * before it opens a new pass. Both ends feed it the records sent before the switchover only.
 *
 * <p>A pass whose every page lies above the last page of the pass before it cannot be told from
 * that pass on the wire, and counts with it, at both ends.
 */
final class RamPasses {
  private long end = -1;
  private int passes;

  /** A RAM_PAGES or RAM_ZERO record of {@code pages} pages at guest address {@code address}. */
  void record(long address, long pages) {
    if (end < 0 || address < end) {
      passes++;
    }
    end = address + pages * GuestRam.PAGE;
  }

  /** The passes seen so far. */
  int passes() {
    return passes;
  }
}
