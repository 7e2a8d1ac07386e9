package io.jvfio.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A {@code migrate receive} and a {@code migrate send} in this JVM on a free loopback port: the
 * receiver prints JSON, the sender is retried while the receiver is not listening yet.
 */
record Loopback(String address, CliRun sent, CliRun received) {
  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code receive --listen A --json RECEIVE...} and {@code send --to A --timeout-ms 5000 SEND...}.
   */
  static Loopback migrate(List<String> receiveArgs, List<String> sendArgs) {
    return migrate(receiveArgs, sendArgs, CliRun::run);
  }

  /** As {@link #migrate(List, List)}, the sender run by {@code sender}. */
  static Loopback migrate(
      List<String> receiveArgs, List<String> sendArgs, Function<String[], CliRun> sender) {
    String address = "127.0.0.1:" + freePort();
    List<String> rx = new ArrayList<>(List.of("migrate", "receive", "--listen", address, "--json"));
    rx.addAll(receiveArgs);
    CompletableFuture<CliRun> receiver =
        CompletableFuture.supplyAsync(() -> CliRun.run(rx.toArray(String[]::new)));
    List<String> tx = new ArrayList<>(List.of("migrate", "send", "--to", address));
    tx.addAll(List.of("--timeout-ms", "5000"));
    tx.addAll(sendArgs);
    CliRun sent = null;
    for (int attempt = 0; attempt < 100; attempt++) {
      sent = sender.apply(tx.toArray(String[]::new));
      if (!sent.err().contains("Connection refused")) {
        break;
      }
      try {
        Thread.sleep(100); // the receiver is not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the receiver", e);
      }
    }
    return new Loopback(address, sent, receiver.join());
  }
}
