package io.jvfio.migration.transport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;

/** A listening TCP socket that hands out one {@link TcpChannel} per accepted connection. */
public final class TcpListener implements AutoCloseable {
  private final ServerSocketChannel server;
  private final InetSocketAddress local;

  TcpListener(InetSocketAddress address) throws IOException {
    ServerSocketChannel s = ServerSocketChannel.open();
    try {
      s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      s.bind(address);
      s.configureBlocking(true);
      this.local = (InetSocketAddress) s.getLocalAddress();
    } catch (IOException e) {
      s.close();
      throw new IOException(
          "cannot listen on tcp " + TcpTransport.format(address) + ": " + e.getMessage(), e);
    }
    this.server = s;
  }

  /** Where this listener listens, with the port the system picked when asked for port 0. */
  public InetSocketAddress localAddress() {
    return local;
  }

  /**
   * Waits for one connection, at most {@code timeout} (zero: forever).
   *
   * @throws SocketTimeoutException when nobody connects in time
   */
  public synchronized TcpChannel accept(Duration timeout) throws IOException {
    int millis = TcpTransport.millis(timeout, "accept timeout");
    server.socket().setSoTimeout(millis);
    Socket s;
    try {
      s = server.socket().accept();
    } catch (SocketTimeoutException e) {
      SocketTimeoutException t =
          new SocketTimeoutException(
              "no tcp connection on " + describe() + " within " + timeout.toMillis() + " ms");
      t.initCause(e);
      throw t;
    }
    return new TcpChannel(s.getChannel());
  }

  /** "tcp 127.0.0.1:4444" (the listening address). */
  public String describe() {
    return "tcp " + TcpTransport.format(local);
  }

  /** Stops listening; a thread blocked in {@link #accept} gets an IOException. Never throws. */
  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      // The descriptor is released either way.
    }
  }

  @Override
  public String toString() {
    return describe();
  }
}
