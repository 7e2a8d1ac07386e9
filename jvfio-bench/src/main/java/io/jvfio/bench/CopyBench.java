package io.jvfio.bench;

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
 * The baselines: {@code MemorySegment.copy} of one chunk, native to native, walking through regions
 * as large as the device memory in the same pattern as the data fd benchmarks, so caches help both
 * sides equally. {@link #copyOut} is a read's copy (device memory into one reader buffer), {@link
 * #copyIn} a write's (a stream into device memory).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class CopyBench {
  @Param({"4096", "65536", "1048576"})
  public int chunk;

  @Param({"64"})
  public int memoryMib;

  private Arena arena;
  private MemorySegment memory;
  private MemorySegment stream;
  private MemorySegment buf;
  private long size;
  private long pos;

  @Setup(Level.Trial)
  public void setUp() {
    size = (long) memoryMib << 20;
    arena = Arena.ofShared();
    memory = arena.allocate(size, 4096);
    stream = arena.allocate(size, 4096);
    buf = arena.allocate(chunk, 4096);
    memory.fill((byte) 1);
    stream.fill((byte) 2);
  }

  @Benchmark
  public long copyOut(ByteCounter counter) {
    MemorySegment.copy(memory, pos, buf, 0, chunk);
    return advance(counter);
  }

  @Benchmark
  public long copyIn(ByteCounter counter) {
    MemorySegment.copy(stream, pos, memory, pos, chunk);
    return advance(counter);
  }

  private long advance(ByteCounter counter) {
    long at = pos;
    pos = pos + 2L * chunk > size ? 0 : pos + chunk;
    counter.bytes += chunk;
    return at;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    arena.close();
  }
}
