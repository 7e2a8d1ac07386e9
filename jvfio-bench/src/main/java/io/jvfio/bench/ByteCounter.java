package io.jvfio.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Bytes moved by a benchmark, which JMH reports as a rate (secondary result {@value #NAME}): a data
 * fd call may move fewer bytes than a chunk, so operations alone would not give the throughput.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class ByteCounter {
  static final String NAME = "bytes";

  public long bytes;

  @Setup(Level.Iteration)
  public void clear() {
    bytes = 0;
  }
}
