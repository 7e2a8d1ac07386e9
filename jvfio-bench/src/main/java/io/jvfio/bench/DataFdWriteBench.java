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
 * A VMM writing a memdev stream into another memdev's RESUMING data fd in chunks from native
 * memory. The stream is saved once at setup and cut into chunks; after its last chunk the device
 * goes STOP (which verifies the whole stream) and RESUMING again, and the writes start over.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DataFdWriteBench {
  @Param({"4096", "65536", "1048576"})
  public int chunk;

  @Param({"64"})
  public int memoryMib;

  private BenchHost bench;
  private Migration migration;
  private Arena arena;
  private MemorySegment[] pieces;
  private int next;
  long sessions;

  @Setup(Level.Trial)
  public void setUp() {
    bench = BenchHost.ofMib(memoryMib);
    bench.model(bench.source).fillRandom(2);
    arena = Arena.ofShared();
    MemorySegment stream = save(bench.source.migration(), arena);
    int count = (int) ((stream.byteSize() + chunk - 1) / chunk);
    pieces = new MemorySegment[count];
    for (int i = 0; i < count; i++) {
      long off = (long) i * chunk;
      pieces[i] = stream.asSlice(off, Math.min(chunk, stream.byteSize() - off));
    }
    migration = bench.destination.migration();
    migration.set(MigrationState.STOP);
    migration.set(MigrationState.RESUMING);
  }

  /** A whole STOP_COPY stream of {@code m}'s device, in native memory. */
  private static MemorySegment save(Migration m, Arena arena) {
    m.set(MigrationState.STOP);
    MemorySegment stream = arena.allocate(m.stopCopySize(), 4096);
    m.set(MigrationState.STOP_COPY);
    long at = 0;
    for (long n; (n = m.read(stream.asSlice(at))) > 0; ) {
      at += n;
    }
    if (at != stream.byteSize()) {
      throw new IllegalStateException("stream of " + at + " bytes, announced " + stream.byteSize());
    }
    m.set(MigrationState.STOP);
    return stream;
  }

  @Benchmark
  public void write(ByteCounter counter) {
    MemorySegment piece = pieces[next];
    migration.writeFully(piece);
    counter.bytes += piece.byteSize();
    if (++next == pieces.length) {
      next = 0;
      migration.set(MigrationState.STOP);
      migration.set(MigrationState.RESUMING);
      sessions++;
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    bench.close();
    arena.close();
  }

  /** The host (for tests). */
  BenchHost host() {
    return bench;
  }
}
