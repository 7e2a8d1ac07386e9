package io.jvfio.uapi.layout;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.UnionLayout;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Building blocks for C struct layouts. Members are naturally aligned little-endian values, so
 * {@link MemoryLayout#structLayout} rejects a layout that forgets C's padding; accessors read them
 * through unaligned views (see {@link Field}).
 */
public final class Layouts {
  public static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
  public static final ValueLayout.OfShort U16 =
      ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
  public static final ValueLayout.OfInt U32 =
      ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
  public static final ValueLayout.OfLong U64 =
      ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);

  private Layouts() {}

  public static MemoryLayout u8(String name) {
    return U8.withName(name);
  }

  public static MemoryLayout u16(String name) {
    return U16.withName(name);
  }

  public static MemoryLayout u32(String name) {
    return U32.withName(name);
  }

  /** A signed 32-bit member (an fd); same bytes as u32, the name documents intent. */
  public static MemoryLayout s32(String name) {
    return U32.withName(name);
  }

  public static MemoryLayout u64(String name) {
    return U64.withName(name);
  }

  /** Unnamed padding the C compiler inserts (or an explicit {@code __u32 pad} kept unnamed). */
  public static MemoryLayout pad(long bytes) {
    return MemoryLayout.paddingLayout(bytes);
  }

  /** A C flexible array member: adds no size, but has an offset and an element layout. */
  public static MemoryLayout flex(String name, MemoryLayout element) {
    return MemoryLayout.sequenceLayout(0, element).withName(name);
  }

  /** A fixed-size array member. */
  public static MemoryLayout array(String name, long count, MemoryLayout element) {
    return MemoryLayout.sequenceLayout(count, element).withName(name);
  }

  /** A struct named after its C tag, e.g. {@code "vfio_group_status"}. */
  public static StructLayout struct(String cName, MemoryLayout... members) {
    return MemoryLayout.structLayout(members).withName(cName);
  }

  /** An anonymous union (its members are reached by their own names, as in C). */
  public static UnionLayout union(MemoryLayout... members) {
    return MemoryLayout.unionLayout(members);
  }
}
