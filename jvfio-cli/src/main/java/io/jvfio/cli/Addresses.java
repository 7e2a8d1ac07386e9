package io.jvfio.cli;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * HOST:PORT as people write them: 127.0.0.1:4444, and IPv6 in brackets in its short form ([::1]:
 * 4444, not the JDK's [0:0:0:0:0:0:0:1]), so a printed address can be pasted back into --to.
 */
final class Addresses {
  private Addresses() {}

  /** {@code a} as HOST:PORT; an unresolved host name as it was given. */
  static String format(InetSocketAddress a) {
    InetAddress ip = a.getAddress();
    String host =
        ip == null
            ? a.getHostString()
            : ip instanceof Inet6Address v6 ? "[" + shortForm(v6) + "]" : ip.getHostAddress();
    return host + ":" + a.getPort();
  }

  /**
   * Where a listener asked to listen on {@code asked} listens: the address asked for when it was an
   * IP address (the JDK reports 0.0.0.0 as the IPv6 wildcard on a dual-stack socket), else the one
   * the name resolved to; the port the system gave.
   */
  static InetSocketAddress listening(InetSocketAddress asked, InetSocketAddress bound) {
    InetAddress ip = asked.isUnresolved() ? bound.getAddress() : asked.getAddress();
    return new InetSocketAddress(ip, bound.getPort());
  }

  /**
   * The RFC 5952 text of an IPv6 address: lower case, no leading zeros, the longest zero run as ::.
   */
  static String shortForm(Inet6Address a) {
    byte[] b = a.getAddress();
    int[] h = new int[8];
    for (int i = 0; i < 8; i++) {
      h[i] = (b[2 * i] & 0xff) << 8 | (b[2 * i + 1] & 0xff);
    }
    int bestAt = -1;
    int bestLen = 1; // a single zero group is not shortened
    for (int i = 0; i < 8; ) {
      if (h[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && h[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestAt = i;
        bestLen = j - i;
      }
      i = j;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestAt) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(h[i]));
    }
    if (a.getScopeId() != 0) {
      sb.append('%').append(a.getScopeId());
    }
    return sb.toString();
  }
}
