package io.jvfio.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jvfio.migration.wire.BackMessage;
import io.jvfio.migration.wire.BackReader;
import io.jvfio.migration.wire.BytesChannel;
import io.jvfio.migration.wire.Record;
import io.jvfio.migration.wire.WireFormat;
import io.jvfio.migration.wire.WireFormatException;
import io.jvfio.migration.wire.WireReader;
import java.io.EOFException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Optional;

/**
 * Fuzz target 3: the wire readers over bytes in memory. Any input ends in a record sequence (up to
 * the trailer, the decision and the outcome), a {@link WireFormatException} with a message and an
 * offset inside the input, or an {@link EOFException} when the bytes run out; nothing else. No
 * buffer is sized by a length the stream claims: no read asks for more than one payload window, and
 * the heap allocated per input stays within a constant plus a multiple of its length.
 *
 * <p>Forward-stream inputs start with the 16-byte session nonce the reader expects, so that a
 * recorded stream is a valid seed as it is.
 */
class WireFuzzTest {
  /** As large as a claim can be, so that only the window bounds what the reader holds. */
  static final long MAX_PAYLOAD = 1L << 40;

  private static final long HEAP_SLACK = 4L << 20;
  private static final long HEAP_PER_BYTE = 64;

  @FuzzTest(maxDuration = "5s")
  void forwardStream(FuzzedDataProvider data) {
    byte[] input = data.consumeRemainingAsBytes();
    Bounded.run(() -> boundedAllocation(input, () -> forward(input)));
  }

  @FuzzTest(maxDuration = "5s")
  void backChannel(FuzzedDataProvider data) {
    byte[] input = data.consumeRemainingAsBytes();
    Bounded.run(() -> boundedAllocation(input, () -> back(input)));
  }

  /** Reads a forward stream to its end; returns the records read. */
  static long forward(byte[] input) {
    byte[] nonce = Arrays.copyOf(input, WireFormat.NONCE_BYTES);
    byte[] stream = Arrays.copyOfRange(input, Math.min(input.length, nonce.length), input.length);
    BytesChannel ch = BytesChannel.reading(stream);
    WireReader r = new WireReader(ch, MAX_PAYLOAD, nonce);
    long records = 0;
    try {
      r.header();
      Record rec;
      do {
        rec = r.next();
        records++;
        // every record costs at least one byte of input: a reader that loops is a hang
        assertThat(records).isLessThanOrEqualTo(stream.length);
      } while (!(rec instanceof Record.Trailer) && !(rec instanceof Record.Abort));
      if (rec instanceof Record.Trailer) {
        Optional<String> abort = r.decision();
        if (abort.isEmpty()) {
          r.outcome();
        }
      }
    } catch (WireFormatException e) {
      expected(e, stream.length);
    } catch (EOFException e) {
      assertThat(e.getMessage()).isNotBlank();
    } catch (IOException e) {
      throw new AssertionError("an IOException other than the documented two", e);
    }
    assertThat(ch.largestRead()).as("largest read").isLessThanOrEqualTo(WireFormat.WINDOW_BYTES);
    return records;
  }

  /** Reads back-channel messages until the input ends or is refused; returns the messages read. */
  static long back(byte[] input) {
    int devices = input.length == 0 ? 0 : input[0] & 0xff;
    byte[] stream = Arrays.copyOfRange(input, Math.min(1, input.length), input.length);
    BytesChannel ch = BytesChannel.reading(stream);
    BackReader r = new BackReader(ch, devices);
    long messages = 0;
    try {
      while (true) {
        BackMessage m = r.next();
        assertThat(m).isNotNull();
        messages++;
        assertThat(messages).isLessThanOrEqualTo(stream.length);
      }
    } catch (WireFormatException e) {
      expected(e, stream.length);
    } catch (EOFException e) {
      assertThat(e.getMessage()).isNotBlank();
    } catch (IOException e) {
      throw new AssertionError("an IOException other than the documented two", e);
    }
    assertThat(ch.largestRead()).as("largest read").isLessThanOrEqualTo(WireFormat.WINDOW_BYTES);
    return messages;
  }

  private static void expected(WireFormatException e, int length) {
    assertThat(e.getMessage()).isNotBlank();
    assertThat(e.offset()).as("offset of: %s", e.getMessage()).isBetween(0L, (long) length);
  }

  private static void boundedAllocation(byte[] input, Runnable body) {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    body.run(); // the first run loads and initialises classes; the second one is measured
    long before = mx.getCurrentThreadAllocatedBytes();
    body.run();
    long allocated = mx.getCurrentThreadAllocatedBytes() - before;
    assertThat(allocated)
        .as("heap bytes allocated for a %d-byte input", input.length)
        .isLessThanOrEqualTo(HEAP_SLACK + HEAP_PER_BYTE * input.length);
  }
}
