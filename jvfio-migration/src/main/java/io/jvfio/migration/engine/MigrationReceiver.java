package io.jvfio.migration.engine;

import io.jvfio.migration.report.MigrationReport;
import io.jvfio.migration.transport.Channel;
import io.jvfio.migration.transport.TcpListener;
import io.jvfio.migration.wire.BackWriter;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Waits on a listener for one migration into this host's devices. Every connection is greeted on a
 * virtual thread of its own, so an idle or malformed one never holds up the next: it is dropped
 * when its header does not arrive within the peer timeout, or is refused. The first connection
 * whose header checks out migrates; one that arrives while it runs is refused at once with a
 * sentence (the sender reads it as its greeting). Devices are touched only by the migrating one.
 */
public final class MigrationReceiver {
  private final TcpListener listener;
  private final List<MigratingDevice> devices;
  private final MigrationOptions options;
  private final ProgressListener progress;
  private final Consumer<String> log;
  private final GuestRam ram;
  private final AtomicReference<String> migrating = new AtomicReference<>();
  private final CompletableFuture<MigrationReport> result = new CompletableFuture<>();
  private final Set<Channel> greeting = ConcurrentHashMap.newKeySet();

  /** {@code log} receives a line for every connection that was refused or dropped. */
  public MigrationReceiver(
      TcpListener listener,
      List<MigratingDevice> devices,
      MigrationOptions options,
      ProgressListener progress,
      Consumer<String> log) {
    this(listener, devices, null, options, progress, log);
  }

  /** A receiver of a VM: its devices and the guest RAM the pages land in (null: devices only). */
  public MigrationReceiver(
      TcpListener listener,
      List<MigratingDevice> devices,
      GuestRam ram,
      MigrationOptions options,
      ProgressListener progress,
      Consumer<String> log) {
    this.ram = ram;
    this.listener = listener;
    this.devices = List.copyOf(devices);
    this.options = options;
    this.progress = progress;
    this.log = log;
  }

  /**
   * Runs until one migration has ended (completed or failed) and returns its report; or, when no
   * sender has started a migration within {@code wait}, returns null.
   */
  public MigrationReport run(Duration wait) throws IOException {
    long giveUp = System.nanoTime() + wait.toNanos();
    try (ExecutorService connections = Executors.newVirtualThreadPerTaskExecutor()) {
      while (!result.isDone()) {
        long left = giveUp - System.nanoTime();
        if (migrating.get() == null && left <= 0) {
          greeting.forEach(Channel::close);
          connections.shutdownNow();
          return null;
        }
        Channel ch;
        try {
          ch = listener.accept(Duration.ofNanos(Math.max(1_000_000, Math.min(left, POLL_NANOS))));
        } catch (SocketTimeoutException e) {
          continue;
        }
        connections.submit(() -> handle(ch));
      }
      // connections still in their handshake end now, so none holds up the return
      greeting.forEach(Channel::close);
      connections.shutdownNow();
    }
    return result.join();
  }

  /** How often the accept loop looks whether the migration ended. */
  private static final long POLL_NANOS = 100_000_000L;

  private void handle(Channel ch) {
    String who = ch.describe();
    String busy = migrating.get();
    if (busy != null) {
      refuse(ch, "this receiver is busy with a migration from " + busy + "; try again later");
      log.accept("refused a second connection from " + who + ": busy with " + busy);
      return;
    }
    MigrationDestination.Greeting g;
    greeting.add(ch);
    try {
      if (result.isDone()) {
        throw new IOException("the receiver has finished");
      }
      g = MigrationDestination.greet(ch, options);
    } catch (IOException | RuntimeException e) {
      String why = MigrationSource.describe(e);
      refuse(ch, why);
      log.accept("dropped a connection from " + who + ": " + why);
      return;
    } finally {
      greeting.remove(ch);
    }
    if (!migrating.compareAndSet(null, who)) {
      refuse(ch, "this receiver is busy with a migration from " + migrating.get());
      log.accept("refused a connection from " + who + ": busy with " + migrating.get());
      return;
    }
    // the migration itself runs on a platform thread: a virtual thread waiting for socket data
    // parks
    // and is woken through the JDK's poller thread, two thread switches per wait instead of one,
    // which on the data path cost as much CPU as the payload's CRC32C
    Thread migration =
        Thread.ofPlatform()
            .name("migration-destination")
            .start(() -> {
              try {
                result.complete(
                    new MigrationDestination(devices, ram, ch, options, progress).run(g));
              } catch (RuntimeException | Error e) {
                result.completeExceptionally(e);
              } finally {
                ch.close();
              }
            });
    try {
      migration.join();
    } catch (InterruptedException e) {
      // the receiver is shutting down: the migration thread ends with its channel
      ch.close();
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Tells the peer why (best effort, bounded), then takes what it still sends until it closes or
   * the second is over: closing with its bytes unread would reset the connection and could take the
   * refusal with it.
   */
  private void refuse(Channel ch, String reason) {
    ch.setDeadline(System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
    try {
      new BackWriter(ch).abort(reason);
      ch.shutdownOutput();
      MemorySegment sink = MemorySegment.ofArray(new byte[64 * 1024]);
      while (true) {
        ch.readFully(sink);
      }
    } catch (IOException | RuntimeException e) {
      // the peer closed, is gone, or the second passed: closing is all that is left
    }
    ch.close();
  }
}
