package io.jvfio.host.iommufd;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeSet;

/**
 * An id table handing out the lowest free id from 1, as iommufd's {@code xa_alloc} does: lookups
 * are {@code O(1)}, allocation and freeing {@code O(log n)} (the freed ids below the highest live
 * one wait in a sorted set).
 */
final class IdTable<T> {
  private final List<T> slots = new ArrayList<>();
  private final TreeSet<Integer> holes = new TreeSet<>();
  private int live;

  IdTable() {
    slots.add(null); // id 0 is never handed out
  }

  /** Stores {@code value} under the lowest free id and returns that id. */
  int add(T value) {
    live++;
    Integer hole = holes.pollFirst();
    if (hole != null) {
      slots.set(hole, value);
      return hole;
    }
    slots.add(value);
    return slots.size() - 1;
  }

  /** Frees {@code id}; ids above the highest live one are dropped so the table shrinks. */
  void remove(int id) {
    if (slots.set(id, null) == null) {
      throw new IllegalStateException("id " + id + " is not in use");
    }
    live--;
    holes.add(id);
    while (slots.size() > 1 && slots.getLast() == null) {
      holes.remove(slots.size() - 1);
      slots.removeLast();
    }
  }

  /** The value under {@code id}, or null. */
  T get(int id) {
    return id > 0 && id < slots.size() ? slots.get(id) : null;
  }

  boolean isEmpty() {
    return live == 0;
  }

  /** Live values in id order. */
  List<T> values() {
    List<T> out = new ArrayList<>(live);
    for (T v : slots) {
      if (v != null) {
        out.add(v);
      }
    }
    return Collections.unmodifiableList(out);
  }

  void clear() {
    slots.clear();
    slots.add(null);
    holes.clear();
    live = 0;
  }
}
