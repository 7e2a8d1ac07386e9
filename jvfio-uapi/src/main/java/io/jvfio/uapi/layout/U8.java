package io.jvfio.uapi.layout;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/** An unsigned byte member of a struct. */
public record U8(String name, long offset, VarHandle handle) {
  public static U8 of(GroupLayout layout, String path) {
    return new U8(path, Field.offset(layout, path), ValueLayout.JAVA_BYTE.varHandle());
  }

  public int get(MemorySegment s) {
    return Byte.toUnsignedInt((byte) handle.get(s, offset));
  }

  public void set(MemorySegment s, int value) {
    handle.set(s, offset, (byte) value);
  }
}
