package io.jvfio.migration.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class TcpTransportTest extends ChannelContractTest {
  private static final InetSocketAddress LOOPBACK_ANY_PORT =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

  @Override
  Ends open() throws IOException {
    TcpListener listener = TcpTransport.listen(LOOPBACK_ANY_PORT);
    try {
      TcpChannel a = TcpTransport.connect(listener.localAddress(), Duration.ofSeconds(5));
      TcpChannel b = listener.accept(Duration.ofSeconds(5));
      return new Ends(a, b, listener);
    } catch (IOException | RuntimeException e) {
      listener.close();
      throw e;
    }
  }

  @Override
  long largeBytes() {
    return 64L << 20;
  }

  @Test
  void listenOnPortZeroPicksAPortAndDescribeNamesThePeer() throws Exception {
    try (TcpListener l = TcpTransport.listen(LOOPBACK_ANY_PORT)) {
      int port = l.localAddress().getPort();
      assertThat(port).isPositive();
      assertThat(l.describe()).isEqualTo("tcp 127.0.0.1:" + port);
      try (TcpChannel a = TcpTransport.connect(l.localAddress(), Duration.ofSeconds(5));
          TcpChannel b = l.accept(Duration.ofSeconds(5))) {
        assertThat(a.describe()).isEqualTo("tcp 127.0.0.1:" + port);
        assertThat(b.describe()).isEqualTo("tcp 127.0.0.1:" + a.localAddress().getPort());
        assertThat(b.remoteAddress()).isEqualTo(a.localAddress());
      }
    }
  }

  @Test
  void connectingWhereNobodyListensIsRefusedWithTheAddressInTheMessage() throws Exception {
    InetSocketAddress gone;
    try (TcpListener l = TcpTransport.listen(LOOPBACK_ANY_PORT)) {
      gone = l.localAddress();
    }
    assertThatThrownBy(() -> TcpTransport.connect(gone, Duration.ofSeconds(5)))
        .isInstanceOf(ConnectException.class)
        .hasMessageContaining("tcp connect to 127.0.0.1:" + gone.getPort() + " failed")
        .hasMessageContaining("refused");
  }

  @Test
  void acceptTimesOutWhenNobodyConnects() throws Exception {
    try (TcpListener l = TcpTransport.listen(LOOPBACK_ANY_PORT)) {
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> l.accept(Duration.ofMillis(150)))
          .isInstanceOf(SocketTimeoutException.class)
          .hasMessageContaining("no tcp connection on tcp 127.0.0.1:")
          .hasMessageContaining("within 150 ms");
      assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(100L, 5_000L);
    }
  }

  @Test
  void closingTheListenerWakesABlockedAccept() throws Exception {
    TcpListener l = TcpTransport.listen(LOOPBACK_ANY_PORT);
    Future<TcpChannel> accept = async(() -> l.accept(Duration.ZERO));
    Thread.sleep(100);
    l.close();
    l.close();
    assertThatThrownBy(accept::get).cause().isInstanceOf(IOException.class);
  }

  @Test
  void connectResolvesAHostNameLeftUnresolvedByParse() throws Exception {
    try (TcpListener l = TcpTransport.listen(LOOPBACK_ANY_PORT)) {
      InetSocketAddress byName = TcpTransport.parse("localhost:" + l.localAddress().getPort());
      assertThat(byName.isUnresolved()).isTrue();
      try (TcpChannel a = TcpTransport.connect(byName, Duration.ofSeconds(5));
          TcpChannel b = l.accept(Duration.ofSeconds(5))) {
        a.write(bytes(5));
        a.flush();
        MemorySegment one = MemorySegment.ofArray(new byte[1]);
        b.readFully(one);
        assertThat(one.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)).containsExactly(5);
      }
    }
  }

  @Test
  void writesAreStagedUntilFlushed() throws Exception {
    try (Ends e = open()) {
      e.a().write(bytes(1, 2, 3));
      e.b().setReadTimeout(Duration.ofMillis(200));
      assertThatThrownBy(() -> e.b().readFully(MemorySegment.ofArray(new byte[3])))
          .isInstanceOf(SocketTimeoutException.class);
      e.a().flush();
      MemorySegment three = MemorySegment.ofArray(new byte[3]);
      e.b().readFully(three);
      assertThat(three.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)).containsExactly(1, 2, 3);
    }
  }

  @Test
  void writingToAPeerThatClosedFailsSoonerOrLater() throws Exception {
    try (Ends e = open()) {
      e.b().close();
      MemorySegment chunk = MemorySegment.ofArray(new byte[1 << 20]);
      assertThatThrownBy(
              () -> {
                for (int i = 0; i < 1024; i++) {
                  e.a().write(chunk);
                  e.a().flush();
                  Thread.sleep(1);
                }
              })
          .isInstanceOf(IOException.class);
    }
  }

  @Test
  void parseAcceptsTheUsualForms() {
    InetSocketAddress v4 = TcpTransport.parse("127.0.0.1:4444");
    assertThat(v4.isUnresolved()).isFalse();
    assertThat(v4.getAddress().getHostAddress()).isEqualTo("127.0.0.1");
    assertThat(v4.getPort()).isEqualTo(4444);
    InetSocketAddress v6 = TcpTransport.parse("[::1]:0");
    assertThat(v6.getAddress().isLoopbackAddress()).isTrue();
    assertThat(v6.getPort()).isZero();
    assertThat(TcpTransport.format(v6)).isEqualTo("[0:0:0:0:0:0:0:1]:0");
    InetSocketAddress named = TcpTransport.parse(" migration-dst.example:65535 ");
    assertThat(named.isUnresolved()).isTrue();
    assertThat(named.getHostString()).isEqualTo("migration-dst.example");
    assertThat(named.getPort()).isEqualTo(65535);
    assertThat(TcpTransport.format(named)).isEqualTo("migration-dst.example:65535");
    assertThat(TcpTransport.parse("0.0.0.0:1").getAddress().isAnyLocalAddress()).isTrue();
  }

  @Test
  void parseExplainsWhatIsWrong() {
    assertParseFails("", "empty address");
    assertParseFails("   ", "empty address");
    assertParseFails("127.0.0.1", "missing port in '127.0.0.1'");
    assertParseFails("127.0.0.1:", "missing port after ':'");
    assertParseFails(":4444", "missing host in ':4444'");
    assertParseFails("host:http", "port 'http' in 'host:http' is not a number");
    assertParseFails("host:-1", "port '-1' in 'host:-1' is not a number");
    assertParseFails("host:65536", "port 65536 in 'host:65536' is out of range 0-65535");
    assertParseFails("host:99999999999", "out of range 0-65535");
    assertParseFails("::1:4444", "looks like an IPv6 address: write it in brackets");
    assertParseFails("[::1:4444", "missing ']'");
    assertParseFails("[::1]", "missing port in '[::1]'");
    assertParseFails("[::1]4444", "expected ':PORT' after ']'");
    assertParseFails("[]:4444", "missing IPv6 address");
    assertParseFails("[127.0.0.1]:4444", "is not an IPv6 address");
    assertParseFails("bad host:4444", "neither an IP address nor a valid host name");
    assertParseFails("a..b:4444", "neither an IP address nor a valid host name");
  }

  @Test
  void negativeTimeoutsAreRefused() throws Exception {
    try (TcpListener l = TcpTransport.listen(LOOPBACK_ANY_PORT)) {
      assertThatThrownBy(() -> l.accept(Duration.ofSeconds(-1)))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> TcpTransport.connect(l.localAddress(), Duration.ofSeconds(-1)))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  private static void assertParseFails(String text, String message) {
    assertThatThrownBy(() -> TcpTransport.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }
}
