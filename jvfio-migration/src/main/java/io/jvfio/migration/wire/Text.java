package io.jvfio.migration.wire;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Strict UTF-8 and ASCII helpers for the strings on the wire. */
final class Text {
  private Text() {}

  /** UTF-8 bytes of {@code s}; IllegalArgumentException when it holds a lone surrogate. */
  static byte[] utf8(String s, String what) {
    try {
      ByteBuffer b =
          StandardCharsets.UTF_8
              .newEncoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .encode(CharBuffer.wrap(s));
      return Arrays.copyOfRange(b.array(), b.arrayOffset() + b.position(), b.limit());
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(what + " is not valid Unicode (a lone surrogate?)", e);
    }
  }

  /**
   * UTF-8 bytes of {@code s}, cut to at most {@code max} bytes at a character boundary; lone
   * surrogates become '?'. For messages meant for people.
   */
  static byte[] utf8Truncated(String s, int max) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length <= max) {
      return b;
    }
    int cut = max;
    while (cut > 0 && (b[cut] & 0xc0) == 0x80) {
      cut--;
    }
    return Arrays.copyOf(b, cut);
  }

  /** Decodes strict UTF-8, or null when {@code b} is not well-formed. */
  static String decodeUtf8(byte[] b) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /** Whether every byte is printable ASCII (0x21-0x7e: no space, no control). */
  static boolean printableAscii(byte[] b) {
    for (byte x : b) {
      if (x < 0x21 || x > 0x7e) {
        return false;
      }
    }
    return true;
  }

  /** Whether every char is printable ASCII (0x21-0x7e). */
  static boolean printableAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }

  /** Bytes as a quoted string with non-printables escaped, for messages. */
  static String quote(byte[] b) {
    StringBuilder sb = new StringBuilder("\"");
    for (byte x : b) {
      if (x >= 0x20 && x < 0x7f && x != '"' && x != '\\') {
        sb.append((char) x);
      } else {
        sb.append(String.format("\\x%02x", x & 0xff));
      }
    }
    return sb.append('"').toString();
  }
}
