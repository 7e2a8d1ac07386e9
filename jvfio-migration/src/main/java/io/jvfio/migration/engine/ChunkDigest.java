package io.jvfio.migration.engine;

import java.lang.foreign.MemorySegment;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The guest RAM digest ({@link GuestRam#DIGEST_ALGORITHM}) kept per 2 MiB chunk, so that a
 * destination can hash chunks while precopy still runs and, once the stream ended, hash only the
 * chunks written since. A writer marks a chunk after writing it, a hasher clears the mark before
 * reading it: a write that races a hash leaves the mark set, and the chunk is hashed again.
 */
final class ChunkDigest {
  static final long CHUNK = 2L << 20;

  private final MemorySegment memory;
  private final byte[][] hashes;
  private final AtomicIntegerArray stale;
  private byte[] zeroHash;
  private int next;

  ChunkDigest(MemorySegment memory) {
    this.memory = memory;
    int n = (int) ((memory.byteSize() + CHUNK - 1) / CHUNK);
    this.hashes = new byte[n][];
    this.stale = new AtomicIntegerArray(n);
    for (int i = 0; i < n; i++) {
      stale.set(i, 1);
    }
  }

  /** Marks the chunks of {@code [offset, offset + length)} changed (after writing them). */
  void written(long offset, long length) {
    for (long c = offset / CHUNK; c <= (offset + length - 1) / CHUNK; c++) {
      stale.set((int) c, 1);
    }
  }

  /** Hashes one changed chunk, if there is one; returns whether there was. One hasher at a time. */
  boolean hashOne() {
    for (int k = 0; k < hashes.length; k++) {
      int i = (next + k) % hashes.length;
      if (stale.getAndSet(i, 0) == 1) {
        next = i + 1;
        hashes[i] = hash(i);
        return true;
      }
    }
    return false;
  }

  /** Hashes what changed and combines the chunk hashes into the hex digest. */
  String digest() {
    while (hashOne()) {
      // until no chunk is stale
    }
    MessageDigest outer = sha256();
    for (byte[] h : hashes) {
      outer.update(h);
    }
    return HexFormat.of().formatHex(outer.digest());
  }

  private byte[] hash(int i) {
    long at = i * CHUNK;
    long n = Math.min(CHUNK, memory.byteSize() - at);
    MemorySegment c = memory.asSlice(at, n);
    MessageDigest inner = sha256();
    if (GuestRam.isZero(c)) {
      if (n == CHUNK) {
        if (zeroHash == null) {
          inner.update(new byte[(int) CHUNK]);
          zeroHash = inner.digest();
        }
        return zeroHash;
      }
      inner.update(new byte[(int) n]);
      return inner.digest();
    }
    inner.update(c.asByteBuffer());
    return inner.digest();
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JVM has SHA-256", e);
    }
  }
}
