package io.jvfio.devices.memdev;

import static io.jvfio.devices.memdev.StreamFormat.HEADER_SIZE;
import static io.jvfio.devices.memdev.StreamFormat.PAGE_SIZE;
import static io.jvfio.devices.memdev.StreamFormat.RECORD_HEADER_SIZE;
import static io.jvfio.devices.memdev.StreamFormat.TRAILER_SIZE;
import static io.jvfio.devices.memdev.StreamFormat.U16;
import static io.jvfio.devices.memdev.StreamFormat.U32;
import static io.jvfio.devices.memdev.StreamFormat.U64;

import io.jvfio.host.sdk.MigrationException;
import io.jvfio.host.sdk.ResumingStream;
import io.jvfio.uapi.Errno;
import java.lang.foreign.MemorySegment;
import java.util.BitSet;
import java.util.zip.CRC32C;

/**
 * A memdev resuming session: an incremental parser of the saving stream that accepts any
 * segmentation, down to single bytes. Headers and checksums are gathered in a small staging array;
 * chunk data is copied straight into device memory and, when the stream's header says chunks carry
 * a data checksum, checked when that checksum arrives.
 */
final class MemResumingStream implements ResumingStream {
  private enum Phase {
    HEADER,
    RECORD,
    DATA,
    TRAILER,
    DONE
  }

  private final MemDevice dev;
  private final BitSet received;
  private final byte[] stage = new byte[HEADER_SIZE];
  private final MemorySegment stageSegment = MemorySegment.ofArray(stage);
  private final CRC32C headerCrc = new CRC32C();
  private final CRC32C dataCrc = new CRC32C();
  private Phase phase = Phase.HEADER;
  private int need = HEADER_SIZE;
  private int have;
  private long firstPage;
  private long pageCount;
  private long dataOffset;
  private long dataLength;
  private long dataPos;
  private long chunks;
  private boolean withDataCrc;
  private long consumed;
  private String failure;
  private boolean closed;

  MemResumingStream(MemDevice dev) {
    this.dev = dev;
    this.received = new BitSet((int) dev.pages);
  }

  @Override
  public long write(MemorySegment src) {
    dev.lock.lock();
    try {
      if (closed) {
        throw new MigrationException(Errno.ENODEV, "memdev resuming session ended");
      }
      if (failure != null) {
        throw new MigrationException(Errno.ENODEV, "memdev resuming stream broken: " + failure);
      }
      long size = src.byteSize();
      if (phase == Phase.DONE) {
        if (size > 0) {
          throw new MigrationException(
              Errno.ENOMEM, "memdev stream already complete after " + consumed + " bytes");
        }
        return 0;
      }
      long used = 0;
      try {
        while (used < size && phase != Phase.DONE) {
          used += step(src, used, size - used);
        }
      } catch (MigrationException e) {
        failure = e.getMessage();
        throw e;
      } finally {
        consumed += used;
      }
      return used;
    } finally {
      dev.lock.unlock();
    }
  }

  @Override
  public void close() {
    dev.lock.lock();
    try {
      closed = true;
      if (dev.resuming == this) {
        dev.resuming = null;
      }
    } finally {
      dev.lock.unlock();
    }
  }

  /** RESUMING to STOP: the stream must have been complete and verified. */
  void finish() {
    if (failure != null) {
      throw new MigrationException(Errno.EINVAL, "memdev resuming stream broken: " + failure);
    }
    if (phase != Phase.DONE) {
      throw new MigrationException(
          Errno.EINVAL,
          "memdev resuming stream incomplete: "
              + consumed
              + " bytes, "
              + chunks
              + " chunks, no end marker");
    }
  }

  private long step(MemorySegment src, long at, long avail) {
    if (phase == Phase.DATA) {
      long n = Math.min(dataLength - dataPos, avail);
      if (withDataCrc) {
        dev.memoryCrc.copyIn(dataCrc, src, at, dataOffset + dataPos, n);
      } else {
        MemorySegment.copy(src, at, dev.memory, dataOffset + dataPos, n);
      }
      dataPos += n;
      if (dataPos == dataLength) {
        if (withDataCrc) {
          expect(Phase.TRAILER, TRAILER_SIZE);
        } else {
          chunkDone();
        }
      }
      return n;
    }
    int n = (int) Math.min(need - have, avail);
    MemorySegment.copy(src, at, stageSegment, have, n);
    have += n;
    if (have == need) {
      switch (phase) {
        case HEADER -> header();
        case RECORD -> record();
        case TRAILER -> trailer();
        default -> throw new IllegalStateException(phase.toString());
      }
    }
    return n;
  }

  private void expect(Phase p, int bytes) {
    phase = p;
    need = bytes;
    have = 0;
  }

  private static MigrationException invalid(String why) {
    return new MigrationException(Errno.EINVAL, "memdev stream: " + why);
  }

  private void header() {
    if (stageSegment.get(U32, 0) != StreamFormat.MAGIC) {
      throw invalid("bad magic 0x" + Integer.toHexString(stageSegment.get(U32, 0)));
    }
    if (stageSegment.get(U32, 28) != StreamFormat.crc(headerCrc, stage, 0, 28)) {
      throw invalid("header checksum mismatch");
    }
    int version = stageSegment.get(U16, 4) & 0xffff;
    if (version != StreamFormat.VERSION) {
      throw invalid("unsupported version " + version);
    }
    int flags = stageSegment.get(U32, 12);
    if ((stageSegment.get(U16, 6) & 0xffff) != HEADER_SIZE
        || (flags & ~StreamFormat.KNOWN_FLAGS) != 0
        || stageSegment.get(U32, 24) != 0) {
      throw invalid("unexpected header size, flags or reserved bits");
    }
    withDataCrc = (flags & StreamFormat.FLAG_NO_DATA_CRC) == 0;
    int pageSize = stageSegment.get(U32, 8);
    if (pageSize != PAGE_SIZE) {
      throw invalid("page size " + Integer.toUnsignedString(pageSize));
    }
    long size = stageSegment.get(U64, 16);
    long mine = dev.memory.byteSize();
    if (Long.compareUnsigned(size, mine) > 0) {
      throw new MigrationException(
          Errno.ENOMEM,
          "memdev stream: image of " + Long.toUnsignedString(size) + " bytes, device has " + mine);
    }
    if (size != mine) {
      throw invalid("image of " + size + " bytes, device has " + mine);
    }
    expect(Phase.RECORD, RECORD_HEADER_SIZE);
  }

  private void record() {
    if (stageSegment.get(U32, 20) != StreamFormat.crc(headerCrc, stage, 0, 20)) {
      throw invalid("record header checksum mismatch after " + chunks + " chunks");
    }
    int tag = stageSegment.get(U32, 0);
    long count = stageSegment.get(U32, 4) & 0xffffffffL;
    long value = stageSegment.get(U64, 8);
    if (stageSegment.get(U32, 16) != 0) {
      throw invalid("reserved record bits set");
    }
    if (tag == StreamFormat.TAG_CHUNK || tag == StreamFormat.TAG_ZERO) {
      if (count == 0) {
        throw invalid("empty chunk");
      }
      if (Long.compareUnsigned(value, dev.pages) >= 0 || count > dev.pages - value) {
        throw new MigrationException(
            Errno.ENOMEM,
            "memdev stream: chunk of pages ["
                + Long.toUnsignedString(value)
                + ", +"
                + count
                + ") beyond the device's "
                + dev.pages
                + " pages");
      }
      firstPage = value;
      pageCount = count;
      dataOffset = value * PAGE_SIZE;
      dataLength = count * PAGE_SIZE;
      if (tag == StreamFormat.TAG_ZERO) {
        dev.backing.release(dataOffset, dataLength);
        chunkDone();
        return;
      }
      try {
        dev.backing.commit(dataOffset, dataLength);
      } catch (OutOfDeviceMemory e) {
        throw new MigrationException(Errno.ENOMEM, e.getMessage());
      }
      dataPos = 0;
      dataCrc.reset();
      phase = Phase.DATA;
    } else if (tag == StreamFormat.TAG_END) {
      if (count != 0 || value != chunks) {
        throw invalid("end marker counts " + value + " chunks, " + chunks + " received");
      }
      int missing = (int) dev.pages - received.cardinality();
      if (missing != 0) {
        throw invalid("end marker before " + missing + " pages were received");
      }
      phase = Phase.DONE;
    } else {
      throw invalid("unknown record tag 0x" + Integer.toHexString(tag));
    }
  }

  private void trailer() {
    if (stageSegment.get(U32, 0) != (int) dataCrc.getValue()) {
      throw invalid(
          "data checksum mismatch in chunk of pages ["
              + firstPage
              + ", "
              + (firstPage + pageCount)
              + ")");
    }
    chunkDone();
  }

  private void chunkDone() {
    received.set((int) firstPage, (int) (firstPage + pageCount));
    chunks++;
    expect(Phase.RECORD, RECORD_HEADER_SIZE);
  }
}
