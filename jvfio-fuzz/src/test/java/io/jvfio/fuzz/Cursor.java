package io.jvfio.fuzz;

/**
 * Reads a fuzz input as a program: little-endian fields from the front, zero once the bytes run
 * out. A hand-written decoder (rather than FuzzedDataProvider's own methods, which take integers
 * from the back) so that seed files can be written by {@link SeedWriter} with {@link Program}.
 */
final class Cursor {
  private final byte[] bytes;
  private int at;

  Cursor(byte[] bytes) {
    this.bytes = bytes;
  }

  boolean exhausted() {
    return at >= bytes.length;
  }

  int u8() {
    return at < bytes.length ? bytes[at++] & 0xff : 0;
  }

  int u16() {
    return u8() | u8() << 8;
  }

  int u32() {
    return u16() | u16() << 16;
  }

  long u64() {
    return (u32() & 0xffffffffL) | (long) u32() << 32;
  }

  /** A choice among {@code n} (n > 0). */
  int pick(int n) {
    return u8() % n;
  }

  /** Up to {@code n} bytes (fewer when the input ends); the rest of the array stays zero. */
  byte[] bytes(int n) {
    byte[] b = new byte[n];
    int k = Math.min(n, bytes.length - at);
    if (k > 0) {
      System.arraycopy(bytes, at, b, 0, k);
      at += k;
    }
    return b;
  }
}
