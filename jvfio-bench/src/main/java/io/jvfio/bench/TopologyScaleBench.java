package io.jvfio.bench;

import io.jvfio.host.Host;
import io.jvfio.host.pci.Topology;
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

/** Parsing a topology of {@code size} functions, and building (then closing) a host from it. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TopologyScaleBench {
  @Param({"256", "4096"})
  public int size;

  private String text;
  private Topology topology;

  @Setup(Level.Trial)
  public void setUp() {
    text = ScaleTopologies.functions(size);
    topology = Topology.parse(text);
    if (topology.functions().size() != size) {
      throw new IllegalStateException("generated " + topology.functions().size() + " functions");
    }
  }

  @Benchmark
  public Topology parse() {
    return Topology.parse(text);
  }

  @Benchmark
  public int host() {
    try (Host host = new Host(topology)) {
      return host.vfio().devices().size();
    }
  }
}
