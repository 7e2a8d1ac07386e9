package io.jvfio.devices.memdev;

import static io.jvfio.devices.memdev.StreamFormat.END_SIZE;
import static io.jvfio.devices.memdev.StreamFormat.HEADER_SIZE;
import static io.jvfio.devices.memdev.StreamFormat.MAX_CHUNK_PAGES;
import static io.jvfio.devices.memdev.StreamFormat.PAGE_SIZE;
import static io.jvfio.devices.memdev.StreamFormat.RECORD_HEADER_SIZE;
import static io.jvfio.devices.memdev.StreamFormat.TRAILER_SIZE;

import io.jvfio.host.sdk.MigrationException;
import io.jvfio.host.sdk.SavingStream;
import io.jvfio.uapi.Errno;
import java.lang.foreign.MemorySegment;
import java.util.zip.CRC32C;

/**
 * A memdev saving session. Records are produced one at a time and copied straight from device
 * memory into the reader's segment (no intermediate buffer for page data); only the small record
 * headers and checksums go through a reusable staging array. Pages of a chunk are marked clean when
 * the chunk starts, so a page the workload changes while (or after) it is sent is sent again.
 *
 * <p>A read holds the device lock while it copies, letting the workload in after every {@link
 * #LOCK_HOLD_BYTES} bytes, and allocates nothing.
 */
final class MemSavingStream implements SavingStream {
  /** Bytes a read copies before it lets other users of the device lock in. */
  static final long LOCK_HOLD_BYTES = 1 << 20;

  private enum Kind {
    INITIAL,
    DIRTY,
    END
  }

  private enum Part {
    NONE,
    STAGED,
    DATA
  }

  private final MemDevice dev;
  private final boolean withDataCrc;
  private boolean stopCopy;

  /** The next page of the initial pass; pages at or above it are not tracked as dirty yet. */
  long initialNext;

  private boolean headerQueued;
  private boolean endQueued;
  private long scan;
  private long delivered;
  private long chunks;
  private boolean closed;

  private final byte[] stage = new byte[HEADER_SIZE];
  private final MemorySegment stageSegment = MemorySegment.ofArray(stage);
  private final CRC32C headerCrc = new CRC32C();
  private final CRC32C dataCrc = new CRC32C();
  private final long[] run = new long[1];
  private Part part = Part.NONE;
  private boolean dataFollows;
  private Kind kind;
  private int stageLength;
  private int stagePos;
  private long recordRemaining;
  private long dataOffset;
  private long dataLength;
  private long dataPos;

  /** Opened under the device lock; {@code precopy} false means a STOP to STOP_COPY session. */
  MemSavingStream(MemDevice dev, boolean precopy) {
    this.dev = dev;
    this.stopCopy = !precopy;
    this.withDataCrc = dev.config().dataCrc();
  }

  /** PRE_COPY[_P2P] to STOP_COPY: from now on the stream runs to its end marker. */
  void enterStopCopy() {
    stopCopy = true;
  }

  @Override
  public long read(MemorySegment dst) {
    long size = dst.byteSize();
    long done = 0;
    long held = 0;
    dev.lock.lock();
    try {
      do {
        if (closed) {
          throw new MigrationException(Errno.ENODEV, "memdev saving session ended");
        }
        if (part == Part.NONE && !nextRecord()) {
          if (done == 0 && !stopCopy && size > 0) {
            throw new MigrationException(Errno.ENOMSG, "memdev: no precopy data right now");
          }
          break;
        }
        long n = emit(dst, done, size - done);
        done += n;
        held += n;
        if (held >= LOCK_HOLD_BYTES && done < size) {
          dev.lock.unlock();
          held = 0;
          dev.lock.lock();
        }
      } while (done < size);
    } finally {
      dev.lock.unlock();
    }
    return done;
  }

  @Override
  public PrecopyInfo precopyInfo() {
    dev.lock.lock();
    try {
      if (closed) {
        throw new MigrationException(Errno.ENODEV, "memdev saving session ended");
      }
      return new PrecopyInfo(initialPending(), dirtyPending());
    } finally {
      dev.lock.unlock();
    }
  }

  @Override
  public boolean readable() {
    dev.lock.lock();
    try {
      return closed
          || stopCopy
          || part != Part.NONE
          || !headerQueued
          || initialNext < dev.pages
          || dev.dirtyCountLocked() > 0;
    } finally {
      dev.lock.unlock();
    }
  }

  @Override
  public void close() {
    dev.lock.lock();
    try {
      closed = true;
      part = Part.NONE;
      if (dev.saving == this) {
        dev.saving = null;
      }
    } finally {
      dev.lock.unlock();
    }
  }

  /** Bytes read from the stream so far. */
  long delivered() {
    return delivered;
  }

  /** What the session still has to deliver (see {@link MemDevice} on stop_copy_length). */
  long remainingEstimate() {
    long end = 0;
    if (!endQueued) {
      end = END_SIZE;
    } else if (kind == Kind.END && part != Part.NONE) {
      end = recordRemaining;
    }
    return initialPending() + dirtyPending() + end;
  }

  /** The unread rest of the initial image, as the memory is now (ZERO records where unwritten). */
  private long initialPending() {
    long header = headerQueued ? 0 : HEADER_SIZE;
    long inFlight = part != Part.NONE && kind == Kind.INITIAL ? recordRemaining : 0;
    return header + inFlight + dev.initialRestLength(initialNext);
  }

  private long dirtyPending() {
    long inFlight = part != Part.NONE && kind == Kind.DIRTY ? recordRemaining : 0;
    return StreamFormat.dirtyEstimate(dev.dirtyCountLocked(), withDataCrc) + inFlight;
  }

  /** Queues the next record, or returns false when nothing is pending. */
  private boolean nextRecord() {
    if (!headerQueued) {
      headerQueued = true;
      StreamFormat.encodeHeader(
          stage, dev.memory.byteSize(), StreamFormat.flags(withDataCrc), headerCrc);
      startStaged(Kind.INITIAL, HEADER_SIZE, HEADER_SIZE, false);
      return true;
    }
    if (initialNext < dev.pages) {
      long first = initialNext;
      long zeroEnd = dev.zeroRunEnd(first);
      if (zeroEnd >= 0) {
        // never written: one record header for the whole run, no data
        initialNext = zeroEnd;
        chunks++;
        StreamFormat.encodeRecord(
            stage, StreamFormat.TAG_ZERO, (int) (zeroEnd - first), first, headerCrc);
        startStaged(Kind.INITIAL, RECORD_HEADER_SIZE, RECORD_HEADER_SIZE, false);
        return true;
      }
      int n = (int) Math.min(MAX_CHUNK_PAGES, dev.pages - first);
      initialNext += n;
      startChunk(Kind.INITIAL, first, n);
      return true;
    }
    if (dev.dirtyCountLocked() > 0) {
      long first = dev.takeDirtyRun(scan, MAX_CHUNK_PAGES, run);
      int n = (int) run[0];
      scan = first + n >= dev.pages ? 0 : first + n;
      startChunk(Kind.DIRTY, first, n);
      return true;
    }
    if (stopCopy && !endQueued) {
      endQueued = true;
      StreamFormat.encodeRecord(stage, StreamFormat.TAG_END, 0, chunks, headerCrc);
      startStaged(Kind.END, END_SIZE, END_SIZE, false);
      return true;
    }
    return false;
  }

  private void startChunk(Kind k, long first, int n) {
    chunks++;
    StreamFormat.encodeRecord(stage, StreamFormat.TAG_CHUNK, n, first, headerCrc);
    dataOffset = first * PAGE_SIZE;
    dataLength = (long) n * PAGE_SIZE;
    dataPos = 0;
    dataCrc.reset();
    startStaged(k, RECORD_HEADER_SIZE, StreamFormat.chunkOverhead(withDataCrc) + dataLength, true);
  }

  private void startStaged(Kind k, int length, long recordLength, boolean thenData) {
    kind = k;
    part = Part.STAGED;
    stageLength = length;
    stagePos = 0;
    dataFollows = thenData;
    recordRemaining = recordLength;
  }

  /** Copies the next piece of the current record into {@code dst} at {@code at}. */
  private long emit(MemorySegment dst, long at, long room) {
    long n;
    if (part == Part.STAGED) {
      n = Math.min(stageLength - stagePos, room);
      MemorySegment.copy(stageSegment, stagePos, dst, at, n);
      stagePos += (int) n;
      if (stagePos == stageLength) {
        part = dataFollows ? Part.DATA : Part.NONE;
        dataFollows = false;
      }
    } else {
      n = Math.min(dataLength - dataPos, room);
      if (withDataCrc) {
        dev.memoryCrc.copyOut(dataCrc, dataOffset + dataPos, dst, at, n);
      } else {
        MemorySegment.copy(dev.memory, dataOffset + dataPos, dst, at, n);
      }
      dataPos += n;
      if (dataPos == dataLength) {
        if (withDataCrc) {
          stageSegment.set(StreamFormat.U32, 0, (int) dataCrc.getValue());
          stageLength = TRAILER_SIZE;
          stagePos = 0;
          part = Part.STAGED;
        } else {
          part = Part.NONE;
        }
      }
    }
    delivered += n;
    recordRemaining -= n;
    return n;
  }
}
