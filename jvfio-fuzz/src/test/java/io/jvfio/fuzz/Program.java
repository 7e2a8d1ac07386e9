package io.jvfio.fuzz;

import java.io.ByteArrayOutputStream;

/** Writes inputs in {@link Cursor}'s encoding: how the seed files are made. */
final class Program {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  Program u8(int v) {
    out.write(v);
    return this;
  }

  Program u16(int v) {
    return u8(v).u8(v >>> 8);
  }

  Program u32(int v) {
    return u16(v).u16(v >>> 16);
  }

  Program u64(long v) {
    return u32((int) v).u32((int) (v >>> 32));
  }

  Program bytes(byte[] b) {
    out.writeBytes(b);
    return this;
  }

  byte[] toBytes() {
    return out.toByteArray();
  }
}
