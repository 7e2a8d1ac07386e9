package io.jvfio.devices.fault;

import io.jvfio.host.sdk.SavingStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * A saving stream with injected damage: bytes flipped at given stream offsets, and an optional cut
 * after which every read returns 0 (and precopy info announces nothing beyond the cut).
 */
final class FaultySavingStream implements SavingStream {
  /** XOR {@code mask} into the byte at stream offset {@code offset}. */
  record Flip(long offset, byte mask) {}

  private final SavingStream inner;
  private final List<Flip> flips;
  private final long limit;
  private long pos;

  FaultySavingStream(SavingStream inner, List<Flip> flips, long limit) {
    this.inner = inner;
    this.flips = List.copyOf(flips);
    this.limit = limit;
  }

  @Override
  public long read(MemorySegment dst) {
    if (pos >= limit) {
      return 0;
    }
    MemorySegment d = dst.byteSize() > limit - pos ? dst.asSlice(0, limit - pos) : dst;
    long n = inner.read(d);
    for (Flip f : flips) {
      if (f.offset() >= pos && f.offset() < pos + n) {
        long at = f.offset() - pos;
        d.set(ValueLayout.JAVA_BYTE, at, (byte) (d.get(ValueLayout.JAVA_BYTE, at) ^ f.mask()));
      }
    }
    pos += n;
    return n;
  }

  @Override
  public PrecopyInfo precopyInfo() {
    PrecopyInfo info = inner.precopyInfo();
    if (limit == Long.MAX_VALUE) {
      return info;
    }
    long left = Math.max(0, limit - pos);
    long initial = Math.min(info.initialBytes(), left);
    long dirty = Math.min(info.dirtyBytes(), left - initial);
    return new PrecopyInfo(initial, dirty, info.reinit());
  }

  @Override
  public boolean readable() {
    return pos >= limit || inner.readable();
  }

  @Override
  public void close() {
    inner.close();
  }
}
