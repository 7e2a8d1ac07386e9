package io.jvfio.migration.engine;

import java.lang.foreign.MemorySegment;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The guest RAM digest ({@link GuestRam#DIGEST_ALGORITHM}) kept per 4 KiB page, so that a
 * destination can hash pages while precopy still runs and, once the stream ended, hash only the
 * pages written since: that work falls inside the downtime, so the destination keeps it small (see
 * {@link #backlogPages}). A writer marks a page after writing it, a hasher clears the mark before
 * reading it: a write that races a hash leaves the mark set, and the page is hashed again. Two
 * threads may hash at once (each claims whole 64-page words); {@link #digest} runs alone.
 */
final class PageDigest {
  private static final int PAGE = GuestRam.PAGE;
  private static final int HASH = 32;

  private final MemorySegment memory;
  private final long pages;
  private final byte[] hashes;
  private final AtomicLongArray stale;

  /** Pages marked and not yet claimed by a hasher. */
  private final AtomicLong backlog = new AtomicLong();

  private final ThreadLocal<MessageDigest> sha = ThreadLocal.withInitial(PageDigest::sha256);
  private final byte[] zeroHash;

  /** Where the next search for stale pages starts; a hint, so a racy value only costs a scan. */
  private volatile int nextWord;

  /** Pages the last {@link #digest} had to hash itself. */
  private long hashedByDigest;

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
    backlog.set(pages);
    this.zeroHash = sha256().digest(new byte[PAGE]);
  }

  /** Marks the pages of {@code [offset, offset + length)} changed (after writing them). */
  void written(long offset, long length) {
    for (long p = offset / PAGE; p <= (offset + length - 1) / PAGE; p++) {
      int w = (int) (p >>> 6);
      long bit = 1L << (p & 63);
      long old;
      do {
        old = stale.get(w);
        if ((old & bit) != 0) {
          break;
        }
      } while (!stale.compareAndSet(w, old, old | bit));
      if ((old & bit) == 0) {
        backlog.incrementAndGet();
      }
    }
  }

  /** Pages changed and not yet taken by a hasher: what a digest now would still have to hash. */
  long backlogPages() {
    return backlog.get();
  }

  /** Hashes the changed pages of one 64-page word, if any; returns whether there were. */
  boolean hashSome() {
    int words = stale.length();
    int from = nextWord;
    for (int k = 0; k < words; k++) {
      int w = (from + k) % words;
      long bits = stale.getAndSet(w, 0);
      if (bits != 0) {
        backlog.addAndGet(-Long.bitCount(bits));
        nextWord = w + 1;
        for (; bits != 0; bits &= bits - 1) {
          hash(64L * w + Long.numberOfTrailingZeros(bits));
        }
        return true;
      }
    }
    return false;
  }

  /**
   * Hashes what changed, then the page hashes in order into the hex digest. Every other hasher must
   * have finished (joined) before.
   */
  String digest() {
    long before = backlog.get();
    while (hashSome()) {
      // until no page is stale
    }
    hashedByDigest = before;
    return HexFormat.of().formatHex(sha.get().digest(hashes));
  }

  /** How many pages the last {@link #digest} hashed itself (0 before any). */
  long hashedByDigest() {
    return hashedByDigest;
  }

  private void hash(long page) {
    MemorySegment p = memory.asSlice(page * PAGE, PAGE);
    int at = (int) (page * HASH);
    if (GuestRam.isZero(p)) {
      System.arraycopy(zeroHash, 0, hashes, at, HASH);
      return;
    }
    MessageDigest d = sha.get();
    d.update(p.asByteBuffer());
    try {
      d.digest(hashes, at, HASH);
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
