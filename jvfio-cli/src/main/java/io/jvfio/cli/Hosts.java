package io.jvfio.cli;

import io.jvfio.host.Host;
import io.jvfio.host.sdk.ModelRegistry;
import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where every command builds its emulated hosts: each build is logged, since it is the slow part of
 * a run, and counted, so a test can see that a bad command line was refused before any was built.
 */
final class Hosts {
  private static final System.Logger LOG = System.getLogger(Hosts.class.getName());
  private static final AtomicLong BUILT = new AtomicLong();

  private Hosts() {}

  /** Builds the host of {@code input}; {@code what} names it in the log ("the source host"). */
  static Host build(String what, TopologyInput input, ModelRegistry models) {
    LOG.log(
        Level.INFO,
        () ->
            "building "
                + what
                + " from "
                + input.name()
                + " ("
                + Plural.of(input.topology().functions().size(), "PCI function")
                + ")");
    Host host;
    try {
      host = new Host(input.topology(), models);
    } catch (IllegalArgumentException e) {
      // the parser's checks passed but the host's did not: still the file's content
      throw input.error(e.getMessage());
    }
    BUILT.incrementAndGet();
    LOG.log(
        Level.DEBUG,
        () -> "built " + what + ": " + Plural.of(host.vfio().devices().size(), "vfio-pci device"));
    return host;
  }

  /** How many hosts this JVM's commands have built. */
  static long built() {
    return BUILT.get();
  }
}
