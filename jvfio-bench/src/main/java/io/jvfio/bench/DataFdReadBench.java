package io.jvfio.bench;

import io.jvfio.client.Migration;
import io.jvfio.uapi.vfio.MigrationState;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A VMM reading a memdev's STOP_COPY data fd in chunks into native memory. Each operation delivers
 * exactly one chunk: when the stream ends inside it, the device goes STOP and STOP_COPY again (a
 * new session over the same memory) and the read continues there, so a measurement never runs dry.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DataFdReadBench {
  @Param({"4096", "65536", "1048576"})
  public int chunk;

  @Param({"64"})
  public int memoryMib;

  private BenchHost bench;
  private Migration migration;
  private Arena arena;
  private MemorySegment buf;
  long sessions;

  @Setup(Level.Trial)
  public void setUp() {
    bench = BenchHost.ofMib(memoryMib);
    bench.model(bench.source).fillRandom(1);
    migration = bench.source.migration();
    arena = Arena.ofShared();
    buf = arena.allocate(chunk, 4096);
    restart();
  }

  @Benchmark
  public long read(ByteCounter counter) {
    long n = migration.read(buf);
    if (n < chunk) {
      // the end marker came out: a fresh stream is far longer than a chunk
      restart();
      n += migration.read(buf.asSlice(n));
    }
    counter.bytes += n;
    return n;
  }

  private void restart() {
    migration.set(MigrationState.STOP);
    migration.set(MigrationState.STOP_COPY);
    sessions++;
  }

  /** The reader's buffer (for tests). */
  MemorySegment buffer() {
    return buf;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    bench.close();
    arena.close();
  }
}
