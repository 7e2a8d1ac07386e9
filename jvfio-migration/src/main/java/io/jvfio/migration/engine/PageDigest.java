package io.jvfio.migration.engine;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The guest RAM digest ({@link GuestRam#DIGEST_ALGORITHM}) kept per 4 KiB page, so that a
 * destination can hash pages while precopy still runs and, once the stream ended, hash only the
 * pages written since: that work falls inside the downtime, so the destination keeps it small (see
 * {@link #backlogPages}). A writer marks a page after writing it, a hasher clears the mark before
 * reading it: a write that races a hash leaves the mark set, and the page is hashed again. Two
 * threads may hash at once (each claims whole 64-page words); {@link #digest} runs alone.
 *
 * <p>Pages that arrive in stop-copy can instead be kept aside as they arrive ({@link #keep}): a
 * copy costs a fraction of a hash, and the kept pages are hashed once the devices run, from the
 * copy, so what the devices then write does not change the digest of the RAM as it was loaded.
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

  /** The most bytes {@link #keep} holds; beyond it pages are marked and hashed as before. */
  static final long KEEP_LIMIT = 256L << 20;

  /** Kept pages: their copies in chunks, and their page numbers in arrival order (-1 - p: zero). */
  private Arena keptArena;

  private final List<MemorySegment> keptChunks = new ArrayList<>();
  private long[] keptPages = new long[1024];
  private int kept;
  private long keptBytes;
  static final long KEEP_CHUNK = 4L << 20;

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
    while (hashSome()) {
      // until no page is stale
    }
    return HexFormat.of().formatHex(sha.get().digest(hashes));
  }

  /**
   * Keeps a copy of the pages {@code data} (whole pages, written to RAM at {@code offset}) to hash
   * later, unless that would pass {@link #KEEP_LIMIT}; returns whether it kept them (if not, the
   * caller marks them {@link #written}).
   */
  synchronized boolean keep(long offset, MemorySegment data) {
    long n = data.byteSize();
    if (spilled || keptBytes + n > KEEP_LIMIT) {
      spill();
      return false;
    }
    for (long at = 0; at < n; at += PAGE) {
      int chunk = (int) (keptBytes / KEEP_CHUNK);
      if (chunk == keptChunks.size()) {
        keptChunks.add(arena().allocate(KEEP_CHUNK, PAGE));
        keepAllocations++;
      }
      MemorySegment.copy(data, at, keptChunks.get(chunk), keptBytes % KEEP_CHUNK, PAGE);
      keptBytes += PAGE;
      keptCopies++;
      record((offset + at) / PAGE);
    }
    return true;
  }

  private Arena arena() {
    if (keptArena == null) {
      keptArena = Arena.ofShared();
    }
    return keptArena;
  }

  /**
   * Allocates one more chunk of room for {@link #keep}, unless {@code bytes} (at most {@link
   * #KEEP_LIMIT}) are ready or pages are no longer kept; returns whether it allocated one. Meant
   * for a thread with time to spare before stop-copy: fresh memory is zeroed by the kernel as it is
   * first touched, at 0.25-2 GB/s on a small VM, which made each kept page cost 4-16 us inside the
   * downtime when {@link #keep} allocated as it went.
   */
  synchronized boolean reserve(long bytes) {
    if (spilled
        || released
        || (long) keptChunks.size() * KEEP_CHUNK >= Math.min(bytes, KEEP_LIMIT)) {
      return false;
    }
    keptChunks.add(arena().allocate(KEEP_CHUNK, PAGE));
    return true;
  }

  /** Chunks {@link #keep} had to allocate itself, because the reserve was short. */
  synchronized int keepAllocations() {
    return keepAllocations;
  }

  private int keepAllocations;

  /** Pages {@link #keep} copied aside, over the digest's life. */
  synchronized long keptCopies() {
    return keptCopies;
  }

  private long keptCopies;

  /** Room for kept pages allocated so far (by {@link #reserve} or {@link #keep}). */
  synchronized long reservedBytes() {
    return keptChunks.size() * KEEP_CHUNK;
  }

  /**
   * Records that {@code count} pages from {@code offset} arrived zero (nothing to copy); returns
   * false once pages are no longer kept (the caller marks them {@link #written}).
   */
  synchronized boolean keepZero(long offset, long count) {
    if (spilled) {
      return false;
    }
    for (long p = offset / PAGE; p < offset / PAGE + count; p++) {
      record(-1 - p);
    }
    return true;
  }

  /** Set once the kept pages went over the limit: every page is marked from then on. */
  private boolean spilled;

  /**
   * Over the limit: the kept pages are marked instead (the RAM holds their last copy, and it is
   * hashed before the devices run), so that a kept copy never overrides a later marked one.
   */
  private synchronized void spill() {
    if (spilled) {
      return;
    }
    spilled = true;
    for (int i = 0; i < kept; i++) {
      long p = keptPages[i] < 0 ? -1 - keptPages[i] : keptPages[i];
      written(p * PAGE, PAGE);
    }
    release();
  }

  /** Set once the copies were freed: nothing is reserved any more. */
  private boolean released;

  /** Frees the kept copies (a failed migration needs no digest). */
  synchronized void release() {
    released = true;
    if (keptArena != null) {
      keptArena.close();
      keptArena = null;
    }
    keptChunks.clear();
    kept = 0;
    keptBytes = 0;
  }

  private void record(long entry) {
    if (kept == keptPages.length) {
      keptPages = java.util.Arrays.copyOf(keptPages, kept * 2);
    }
    keptPages[kept++] = entry;
  }

  /**
   * Hashes what is still marked changed, from the RAM: before the devices run, where it is what was
   * loaded. Returns the pages it hashed. {@link #digestKept} finishes the digest later.
   */
  long hashMarked() {
    long before = backlog.get();
    while (hashSome()) {
      // until no page is stale
    }
    return before;
  }

  /**
   * The digest once {@link #hashMarked} ran: the kept pages are hashed from their copies, in the
   * order they arrived (a page sent twice ends with its last copy), over the hashes of the rest;
   * then the copies are freed.
   */
  synchronized String digestKept() {
    long slot = 0;
    for (int i = 0; i < kept; i++) {
      long entry = keptPages[i];
      if (entry < 0) {
        System.arraycopy(zeroHash, 0, hashes, (int) ((-1 - entry) * HASH), HASH);
        continue;
      }
      long at = slot * PAGE;
      slot++;
      hashInto(keptChunks.get((int) (at / KEEP_CHUNK)).asSlice(at % KEEP_CHUNK, PAGE), entry);
    }
    release();
    return HexFormat.of().formatHex(sha.get().digest(hashes));
  }

  private void hash(long page) {
    hashInto(memory.asSlice(page * PAGE, PAGE), page);
  }

  /** Stores the hash of {@code p}, the content of page {@code page}. */
  private void hashInto(MemorySegment p, long page) {
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
