package io.jvfio.migration.engine;

/**
 * Whether precopy is still draining a backlog of dirty data: over the last {@link #SPAN_NANOS} the
 * pending bytes fell by more than {@link #NOISE} (what a steady workload's pending bytes wander by
 * between two looks). No share of the backlog is asked for: a young JVM drains 100 MB by only a few
 * percent per span, and switching over then overran a 300 ms limit. While it falls, another pass
 * costs nothing in downtime and shrinks what stop-copy must move; switching over then would move
 * the backlog with the devices stopped, at a rate measured on other data (the initial pass) and, in
 * a young JVM, through code the JIT has not compiled yet. Once the pending bytes level off (the
 * dirty rate balances the send rate) or are small, switching over is up to the downtime estimate
 * alone.
 */
final class Backlog {
  static final long SPAN_NANOS = 20_000_000L;

  static final long NOISE = 1 << 20;

  private final long small;
  private long mark = -1;
  private long markAt;
  private boolean draining = true;

  Backlog(long small) {
    this.small = small;
  }

  /** Records {@code pending} at {@code now} and says whether the backlog still drains. */
  boolean draining(long now, long pending) {
    if (pending <= small) {
      return false;
    }
    if (mark < 0) {
      mark = pending;
      markAt = now;
      return true;
    }
    if (now - markAt >= SPAN_NANOS) {
      draining = pending < mark - NOISE;
      mark = pending;
      markAt = now;
    }
    return draining;
  }
}
