package io.jvfio.migration.engine;

import java.lang.foreign.MemorySegment;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The guest RAM digest ({@link GuestRam#DIGEST_ALGORITHM}) kept per 4 KiB page, so that a
 * destination can hash pages while precopy still runs and, once the stream ended, hash only the
 * pages written since: that work falls inside the downtime, and stop-copy writes few pages. A
 * writer marks a page after writing it, the hasher clears the mark before reading it: a write that
 * races a hash leaves the mark set, and the page is hashed again.
 */
final class PageDigest {
  private static final int PAGE = GuestRam.PAGE;
  private static final int HASH = 32;

  private final MemorySegment memory;
  private final long pages;
  private final byte[] hashes;
  private final AtomicLongArray stale;
  private final MessageDigest sha = sha256();
  private final byte[] zeroHash;
  private int nextWord;

  PageDigest(MemorySegment memory) {
    this.memory = memory;
    this.pages = memory.byteSize() / PAGE;
    this.hashes = new byte[Math.toIntExact(pages * HASH)];
    int words = (int) ((pages + 63) / 64);
    this.stale = new AtomicLongArray(words);
    for (int w = 0; w < words; w++) {
      long left = pages - 64L * w;
      stale.set(w, left >= 64 ? -1L : (1L << left) - 1);
    }
    this.zeroHash = sha.digest(new byte[PAGE]);
  }

  /** Marks the pages of {@code [offset, offset + length)} changed (after writing them). */
  void written(long offset, long length) {
    for (long p = offset / PAGE; p <= (offset + length - 1) / PAGE; p++) {
      int w = (int) (p >>> 6);
      long bit = 1L << (p & 63);
      long old;
      do {
        old = stale.get(w);
      } while ((old & bit) == 0 && !stale.compareAndSet(w, old, old | bit));
    }
  }

  /** Hashes the changed pages of one 64-page word, if any; returns whether there were. */
  boolean hashSome() {
    int words = stale.length();
    for (int k = 0; k < words; k++) {
      int w = (nextWord + k) % words;
      long bits = stale.getAndSet(w, 0);
      if (bits != 0) {
        nextWord = w + 1;
        for (; bits != 0; bits &= bits - 1) {
          hash(64L * w + Long.numberOfTrailingZeros(bits));
        }
        return true;
      }
    }
    return false;
  }

  /** Hashes what changed, then the page hashes in order into the hex digest. */
  String digest() {
    while (hashSome()) {
      // until no page is stale
    }
    return HexFormat.of().formatHex(sha.digest(hashes));
  }

  private void hash(long page) {
    MemorySegment p = memory.asSlice(page * PAGE, PAGE);
    int at = (int) (page * HASH);
    if (GuestRam.isZero(p)) {
      System.arraycopy(zeroHash, 0, hashes, at, HASH);
      return;
    }
    sha.update(p.asByteBuffer());
    try {
      sha.digest(hashes, at, HASH);
    } catch (java.security.DigestException e) {
      throw new AssertionError("32 bytes hold a SHA-256", e);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JVM has SHA-256", e);
    }
  }
}
