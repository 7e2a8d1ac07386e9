package io.jvfio.uapi.layout;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/** An unsigned 16-bit little-endian member of a struct. */
public record U16(String name, long offset, VarHandle handle) {
  public static U16 of(GroupLayout layout, String path) {
    return new U16(path, Field.offset(layout, path), Field.U16.varHandle());
  }

  public int get(MemorySegment s) {
    return Short.toUnsignedInt((short) handle.get(s, offset));
  }

  public void set(MemorySegment s, int value) {
    handle.set(s, offset, (short) value);
  }
}
