package io.jvfio.migration.transport;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/** Opens TCP {@link Channel}s: a listener on the destination, a connection from the source. */
public final class TcpTransport {
  private TcpTransport() {}

  /**
   * Listens on {@code address}; port 0 picks a free port, which {@link TcpListener#localAddress()}
   * then tells.
   */
  public static TcpListener listen(InetSocketAddress address) throws IOException {
    return new TcpListener(resolve(address));
  }

  /**
   * Connects to a listener, waiting at most {@code timeout} (zero: as long as the system allows).
   *
   * @throws ConnectException when nobody listens there, with the address in the message
   * @throws SocketTimeoutException when the connection is not up within {@code timeout}
   * @throws UnknownHostException when the host name does not resolve
   */
  public static TcpChannel connect(InetSocketAddress address, Duration timeout) throws IOException {
    InetSocketAddress target = resolve(address);
    int millis = millis(timeout, "connect timeout");
    String where = format(target);
    SocketChannel socket = SocketChannel.open();
    boolean done = false;
    try {
      socket.socket().connect(target, millis);
      TcpChannel channel = new TcpChannel(socket);
      done = true;
      return channel;
    } catch (SocketTimeoutException e) {
      SocketTimeoutException t =
          new SocketTimeoutException(
              "tcp connect to " + where + " timed out after " + timeout.toMillis() + " ms");
      t.initCause(e);
      throw t;
    } catch (ConnectException e) {
      ConnectException c =
          new ConnectException(
              "tcp connect to "
                  + where
                  + " failed: "
                  + reason(e)
                  + " (is the destination listening?)");
      c.initCause(e);
      throw c;
    } catch (IOException e) {
      throw new IOException("tcp connect to " + where + " failed: " + reason(e), e);
    } finally {
      if (!done) {
        try {
          socket.close();
        } catch (IOException e) {
          // Already failing with the connect error.
        }
      }
    }
  }

  /**
   * Parses {@code HOST:PORT}: an IPv4 address or host name, or an IPv6 address in brackets ({@code
   * [::1]:4444}), then a port 0-65535. IP literals come back resolved; a host name comes back
   * unresolved (no lookup here) and is resolved by {@link #connect} or {@link #listen}.
   *
   * @throws IllegalArgumentException naming what is wrong with {@code text}
   */
  public static InetSocketAddress parse(String text) {
    String s = text.strip();
    if (s.isEmpty()) {
      throw new IllegalArgumentException(
          "empty address: expected HOST:PORT, for example 127.0.0.1:4444 or [::1]:4444");
    }
    String host;
    String portText;
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException(
            "missing ']' in '" + s + "': an IPv6 address is written [ADDRESS]:PORT");
      }
      host = s.substring(1, close);
      String rest = s.substring(close + 1);
      if (!rest.startsWith(":")) {
        throw new IllegalArgumentException(
            "missing port in '" + s + "': expected ':PORT' after ']', as in [::1]:4444");
      }
      portText = rest.substring(1);
      if (host.isEmpty()) {
        throw new IllegalArgumentException(
            "missing IPv6 address between '[' and ']' in '" + s + "'");
      }
    } else {
      int colon = s.lastIndexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException(
            "missing port in '" + s + "': expected HOST:PORT, for example 127.0.0.1:4444");
      }
      host = s.substring(0, colon);
      portText = s.substring(colon + 1);
      if (host.indexOf(':') >= 0) {
        throw new IllegalArgumentException(
            "'" + s + "' looks like an IPv6 address: write it in brackets, as [::1]:4444");
      }
      if (host.isEmpty()) {
        throw new IllegalArgumentException(
            "missing host in '"
                + s
                + "': use 127.0.0.1 for loopback or 0.0.0.0 for every interface");
      }
    }
    int port = parsePort(portText, s);
    InetAddress literal = literal(host);
    if (s.startsWith("[")) {
      if (!(literal instanceof Inet6Address)) {
        throw new IllegalArgumentException(
            "'" + host + "' in '" + s + "' is not an IPv6 address; only IPv6 goes in brackets");
      }
      return new InetSocketAddress(literal, port);
    }
    if (literal != null) {
      return new InetSocketAddress(literal, port);
    }
    if (!validHostName(host)) {
      throw new IllegalArgumentException(
          "'" + host + "' in '" + s + "' is neither an IP address nor a valid host name");
    }
    return InetSocketAddress.createUnresolved(host, port);
  }

  /** "127.0.0.1:4444", "[::1]:4444" or "host.example:4444". */
  public static String format(InetSocketAddress address) {
    InetAddress a = address.getAddress();
    String host;
    if (a == null) {
      host = address.getHostString();
    } else if (a instanceof Inet6Address) {
      host = "[" + a.getHostAddress() + "]";
    } else {
      host = a.getHostAddress();
    }
    return host + ":" + address.getPort();
  }

  private static int parsePort(String portText, String whole) {
    if (portText.isEmpty()) {
      throw new IllegalArgumentException(
          "missing port after ':' in '" + whole + "': expected a number 0-65535");
    }
    for (int i = 0; i < portText.length(); i++) {
      char c = portText.charAt(i);
      if (c < '0' || c > '9') {
        throw new IllegalArgumentException(
            "port '" + portText + "' in '" + whole + "' is not a number 0-65535");
      }
    }
    if (portText.length() > 5 || Integer.parseInt(portText) > 65535) {
      throw new IllegalArgumentException(
          "port " + portText + " in '" + whole + "' is out of range 0-65535");
    }
    return Integer.parseInt(portText);
  }

  private static InetAddress literal(String host) {
    try {
      return InetAddress.ofLiteral(host);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static boolean validHostName(String host) {
    if (host.length() > 253) {
      return false;
    }
    for (String label : host.split("\\.", -1)) {
      if (label.isEmpty() || label.length() > 63) {
        return false;
      }
      for (int i = 0; i < label.length(); i++) {
        char c = label.charAt(i);
        boolean ok =
            (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || c == '-'
                || c == '_';
        if (!ok) {
          return false;
        }
      }
    }
    return true;
  }

  /** Looks up a host name left unresolved by {@link #parse}. */
  static InetSocketAddress resolve(InetSocketAddress address) throws UnknownHostException {
    if (!address.isUnresolved()) {
      return address;
    }
    try {
      return new InetSocketAddress(
          InetAddress.getByName(address.getHostString()), address.getPort());
    } catch (UnknownHostException e) {
      UnknownHostException u =
          new UnknownHostException("cannot resolve host '" + address.getHostString() + "'");
      u.initCause(e);
      throw u;
    }
  }

  static int millis(Duration timeout, String what) {
    if (timeout.isNegative()) {
      throw new IllegalArgumentException(what + " must not be negative: " + timeout);
    }
    if (timeout.isZero()) {
      return 0;
    }
    long m = timeout.plusNanos(999_999).toMillis();
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, m));
  }

  private static String reason(IOException e) {
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }
}
