package io.jvfio.uapi.layout;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * A 32-bit little-endian member of a struct. {@link #get} returns the raw bits as an int (for
 * {@code __s32} fds and flag words); {@link #getUnsigned} widens a {@code __u32}.
 */
public record U32(String name, long offset, VarHandle handle) {
  public static U32 of(GroupLayout layout, String path) {
    return new U32(path, Field.offset(layout, path), Field.U32.varHandle());
  }

  public int get(MemorySegment s) {
    return (int) handle.get(s, offset);
  }

  public long getUnsigned(MemorySegment s) {
    return Integer.toUnsignedLong(get(s));
  }

  public void set(MemorySegment s, int value) {
    handle.set(s, offset, value);
  }

  public void set(MemorySegment s, long value) {
    handle.set(s, offset, (int) value);
  }
}
