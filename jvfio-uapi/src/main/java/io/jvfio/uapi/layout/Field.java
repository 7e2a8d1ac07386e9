package io.jvfio.uapi.layout;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Resolves a named member of a struct layout to its byte offset, searching through anonymous unions
 * and structs as C does. Accessors use unaligned little-endian views: user memory may sit at any
 * address, and copy_from_user does not care about alignment.
 */
public final class Field {
  static final ValueLayout.OfShort U16 =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final ValueLayout.OfInt U32 =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final ValueLayout.OfLong U64 =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private Field() {}

  /**
   * Byte offset of the member named by a dotted path ("header.next"), or throws if it is absent.
   */
  public static long offset(GroupLayout layout, String path) {
    long base = 0;
    GroupLayout group = layout;
    String[] parts = path.split("\\.");
    for (int i = 0; i < parts.length; i++) {
      Found f = find(group, parts[i], 0);
      if (f == null) {
        throw new IllegalArgumentException(layout.name().orElse("?") + " has no member " + path);
      }
      base += f.offset;
      if (i < parts.length - 1) {
        if (!(f.layout instanceof GroupLayout g)) {
          throw new IllegalArgumentException(path + ": " + parts[i] + " is not a struct");
        }
        group = g;
      }
    }
    return base;
  }

  /** Size in bytes of the member named by a dotted path. */
  public static long size(GroupLayout layout, String path) {
    int dot = path.lastIndexOf('.');
    GroupLayout group = layout;
    if (dot >= 0) {
      group = (GroupLayout) member(layout, path.substring(0, dot));
    }
    Found f = find(group, path.substring(dot + 1), 0);
    if (f == null) {
      throw new IllegalArgumentException(layout.name().orElse("?") + " has no member " + path);
    }
    return f.layout.byteSize();
  }

  /** The layout of the member named by a dotted path. */
  public static MemoryLayout member(GroupLayout layout, String path) {
    GroupLayout group = layout;
    MemoryLayout result = layout;
    for (String part : path.split("\\.")) {
      Found f = find(group, part, 0);
      if (f == null) {
        throw new IllegalArgumentException(layout.name().orElse("?") + " has no member " + path);
      }
      result = f.layout;
      if (result instanceof GroupLayout g) {
        group = g;
      }
    }
    return result;
  }

  private record Found(MemoryLayout layout, long offset) {}

  private static Found find(GroupLayout group, String name, long base) {
    List<MemoryLayout> members = group.memberLayouts();
    long offset = 0;
    boolean struct = group instanceof java.lang.foreign.StructLayout;
    for (MemoryLayout m : members) {
      long at = base + (struct ? offset : 0);
      if (m.name().isPresent()) {
        if (m.name().get().equals(name)) {
          return new Found(m, at);
        }
      } else if (m instanceof GroupLayout anonymous) {
        Found inner = find(anonymous, name, at);
        if (inner != null) {
          return inner;
        }
      }
      offset += m.byteSize();
    }
    return null;
  }

  /** True for a flexible array member (a zero-length sequence). */
  public static boolean isFlexible(MemoryLayout member) {
    return member instanceof SequenceLayout s && s.elementCount() == 0;
  }
}
