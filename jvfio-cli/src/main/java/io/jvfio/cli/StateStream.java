package io.jvfio.cli;

import io.jvfio.client.Migration;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.BooleanSupplier;

/**
 * Moves a device's migration stream between its data fd and a file or another device, through one
 * bounded buffer, hashing the bytes (SHA-256) as they pass: a 64 GiB memdev stream costs 1 MiB of
 * memory. Every loop ends: each data fd call either moves bytes or ends the stream, the bytes are
 * limited ({@code maxBytes}) and the deadline is checked between calls. A read is made only once
 * poll says it will not wait (a driver's read may wait for the device); a write is not polled, as a
 * resuming fd (mlx5's) has no poll operation and its writes do not wait for events (a single call
 * that blocks in a driver cannot be cut short from user space; mtty's and memdev's never block).
 */
final class StateStream {
  /** The buffer: large enough that the per-call cost vanishes, small enough to be nothing. */
  static final int CHUNK = 1 << 20;

  /** Where saved bytes go: a file, or a resuming device. */
  interface Sink {
    void accept(MemorySegment bytes) throws IOException;
  }

  /** What passed: its length and SHA-256 (lowercase hex). */
  record Copied(long bytes, String sha256) {}

  /** A point in time the copy must not pass; {@code what} names the option for the message. */
  record Deadline(long endNanos, String what) {
    static Deadline after(long millis, String what) {
      return new Deadline(System.nanoTime() + millis * 1_000_000, what);
    }

    void check(String doing) {
      if (System.nanoTime() - endNanos > 0) {
        throw new CommandFailure(
            "gave up " + doing + ": the time allowed (" + what + ") has passed", "ETIMEDOUT");
      }
    }

    /**
     * Returns once {@code ready} says a read will not block, checking this deadline between polls:
     * a real driver's read can wait for the device (mlx5's waits for its save command), and a read
     * that blocks cannot be cut short, so the wait happens here, in polls without waiting, pausing
     * 1 ms, doubling to 10 ms, between them.
     */
    void awaitReadable(BooleanSupplier ready, String doing) {
      long pauseMs = 1;
      while (true) {
        check(doing);
        if (ready.getAsBoolean()) {
          return;
        }
        try {
          Thread.sleep(pauseMs);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new CommandFailure("interrupted while " + doing, "EINTR", e);
        }
        pauseMs = Math.min(pauseMs * 2, 10);
      }
    }
  }

  private StateStream() {}

  /**
   * Reads the saving stream of {@code from} (a session in STOP_COPY) to its end into {@code sink}.
   * More than {@code maxBytes} is a failure, as is ENOMSG: in STOP_COPY a stream ends with 0.
   */
  static Copied save(Migration from, String name, Sink sink, long maxBytes, Deadline deadline)
      throws IOException {
    MessageDigest sha = sha256();
    long total = 0;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(CHUNK);
      while (true) {
        deadline.awaitReadable(from::readable, "reading the state of " + name);
        long n = from.read(buf);
        if (n == 0) {
          break;
        }
        if (n == Migration.NO_DATA_NOW) {
          throw new CommandFailure(
              name
                  + " answered ENOMSG (no data now) in STOP_COPY, where a stream ends with 0;"
                  + " its driver breaks the uAPI's rule",
              "ENOMSG");
        }
        total += n;
        if (total > maxBytes) {
          throw new CommandFailure(
              "the state of "
                  + name
                  + " is longer than "
                  + maxBytes
                  + " bytes (--max-bytes); allow more to save it",
              "EFBIG");
        }
        MemorySegment chunk = buf.asSlice(0, n);
        sha.update(chunk.asByteBuffer());
        sink.accept(chunk);
      }
    }
    return new Copied(total, HexFormat.of().formatHex(sha.digest()));
  }

  /**
   * Writes {@code in} to its end into the resuming stream of {@code to}; a driver's refusal is the
   * client's {@link io.jvfio.client.VfioException}. At most {@code maxBytes} are read.
   */
  static Copied load(
      ReadableByteChannel in, String file, Migration to, long maxBytes, Deadline deadline)
      throws IOException {
    MessageDigest sha = sha256();
    long total = 0;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(CHUNK);
      ByteBuffer bb = buf.asByteBuffer();
      while (true) {
        deadline.check("writing " + file + " to " + to.device().name());
        bb.clear();
        int n = in.read(bb);
        if (n < 0) {
          break;
        }
        if (n == 0) {
          // a blocking file channel reads at least one byte into room for one: never here
          throw new CommandFailure("reading " + file + " returned no bytes before its end", "EIO");
        }
        total += n;
        if (total > maxBytes) {
          throw new CommandFailure(
              file + " grew past " + maxBytes + " bytes (--max-bytes) while it was read", "EFBIG");
        }
        MemorySegment chunk = buf.asSlice(0, n);
        sha.update(chunk.asByteBuffer());
        to.writeFully(chunk);
      }
    }
    return new Copied(total, HexFormat.of().formatHex(sha.digest()));
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
