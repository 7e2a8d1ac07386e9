package io.jvfio.uapi.layout;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/** A 64-bit little-endian member of a struct; the Java long holds the unsigned bits. */
public record U64(String name, long offset, VarHandle handle) {
  public static U64 of(GroupLayout layout, String path) {
    return new U64(path, Field.offset(layout, path), Field.U64.varHandle());
  }

  public long get(MemorySegment s) {
    return (long) handle.get(s, offset);
  }

  public void set(MemorySegment s, long value) {
    handle.set(s, offset, value);
  }
}
