package io.jvfio.migration.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * No single altered byte of a valid stream is ever accepted: every one ends in a {@link
 * WireFormatException}, an {@link EOFException} (the alteration moved the framing past the end),
 * or, when the altered byte is a record kind turned into 0x12, in an abort; never in a trailer.
 */
class WireCorruptionTest {
  enum Outcome {
    FORMAT_ERROR,
    EOF,
    ABORT,
    ACCEPTED
  }

  /**
   * Every position, every one of the 255 other values: 255 * length parses. This is the proof for
   * the sample stream, including the framing bytes (kinds, lengths, counts, sizes) where CRC32C
   * alone would only give a 2^-32 chance of a miss.
   */
  @Test
  void everySingleByteAlterationOfTheSampleStreamIsRejected() {
    SampleStream sample = SampleStream.build();
    byte[] s = sample.copy();
    Map<Outcome, Integer> outcomes = new TreeMap<>();
    Map<String, Integer> problems = new TreeMap<>();
    List<String> accepted = new ArrayList<>();
    for (int at = 0; at < s.length; at++) {
      byte original = s[at];
      for (int v = 0; v < 256; v++) {
        if ((byte) v == original) {
          continue;
        }
        s[at] = (byte) v;
        Outcome o = parse(s, 100, problems);
        outcomes.merge(o, 1, Integer::sum);
        if (o == Outcome.ACCEPTED) {
          accepted.add(at + "=" + v);
        }
      }
      s[at] = original;
    }
    assertThat(accepted).as("alterations accepted").isEmpty();
    assertThat(outcomes.values().stream().mapToInt(Integer::intValue).sum())
        .isEqualTo(255 * s.length);
    // Every kind of check takes part.
    assertThat(problems)
        .containsKeys(
            "bad magic",
            "the sender speaks wire format version",
            "the session nonce does not match",
            "header CRC32C mismatch",
            "device count",
            "unknown record kind",
            "unknown section marker",
            "payload size",
            "payload CRC32C mismatch",
            "trailer record count mismatch",
            "trailer payload byte count mismatch",
            "stream CRC32C mismatch");
    System.out.println(
        "single-byte alterations of a " + s.length + "-byte stream: " + outcomes + " " + problems);
  }

  /** A longer stream with megabyte payloads: seeded random positions and values. */
  @Test
  void seededRandomSingleByteAlterationsOfALargeStreamAreRejected() throws IOException {
    SplittableRandom r = new SplittableRandom(2026);
    BytesChannel c = BytesChannel.writing();
    WireWriter w = new WireWriter(c);
    List<DeviceIdentity> ids = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      ids.add(new DeviceIdentity(i, "0000:00:0" + i + ".0", "model-" + i, 0x1af4, 0x1000 + i, 7));
    }
    w.header(SampleStream.NONCE, ids);
    List<int[]> framing = new ArrayList<>(); // [from, to) ranges that are not payload bytes
    List<int[]> payloads = new ArrayList<>(); // [from, to, offset of its CRC]
    int from = 0;
    for (int i = 0; i < 4; i++) {
      w.setup(i);
    }
    int[] sizes = {0, 1, 1 << 20, (1 << 20) + 17, 4096, 3, 65_536, 1234};
    for (int k = 0; k < sizes.length; k++) {
      int dev = k % 4;
      int recordAt = c.writtenLength();
      if (k == 5) {
        w.config(dev, SampleStream.random(r, sizes[k]));
      } else {
        w.data(dev, SampleStream.random(r, sizes[k]));
      }
      framing.add(new int[] {from, recordAt + 19});
      payloads.add(new int[] {recordAt + 19, recordAt + 19 + sizes[k], recordAt + 19 + sizes[k]});
      from = recordAt + 19 + sizes[k];
      if (k % 3 == 2) {
        w.initDataSent(dev);
      }
    }
    for (int i = 0; i < 4; i++) {
      w.endOfState(i);
    }
    w.trailer();
    byte[] s = c.written();
    framing.add(new int[] {from, s.length});
    long maxPayload = 2 << 20;
    assertThat(parse(s, maxPayload, new TreeMap<>())).isEqualTo(Outcome.ACCEPTED);

    Map<Outcome, Integer> outcomes = new TreeMap<>();
    Map<String, Integer> problems = new TreeMap<>();
    for (int trial = 0; trial < 1200; trial++) {
      int at;
      if (trial % 2 == 0) {
        at = r.nextInt(s.length); // anywhere: mostly payload
      } else {
        int[] range = framing.get(r.nextInt(framing.size())); // framing and CRC bytes
        at = range[0] + r.nextInt(range[1] - range[0]);
      }
      byte original = s[at];
      s[at] = (byte) (original ^ (1 + r.nextInt(255)));
      Map<String, Integer> problem = new TreeMap<>();
      Outcome o = parse(s, maxPayload, problem);
      s[at] = original;
      if (o == Outcome.ACCEPTED) {
        fail("altering byte " + at + " was not detected");
      }
      for (int[] p : payloads) {
        if (at >= p[0] && at < p[1]) {
          // A payload byte is always caught at once by its record's own CRC32C.
          assertThat(problem).as("byte %d", at).containsOnlyKeys("payload CRC32C mismatch");
        }
      }
      problem.forEach((k, v) -> problems.merge(k, v, Integer::sum));
      outcomes.merge(o, 1, Integer::sum);
    }
    System.out.println("random alterations of a " + s.length + "-byte stream: " + outcomes);
    assertThat(problems).containsKeys("payload CRC32C mismatch", "stream CRC32C mismatch");
  }

  private static Outcome parse(byte[] s, long maxPayload, Map<String, Integer> problems) {
    try {
      WireReader reader = new WireReader(BytesChannel.reading(s), maxPayload, SampleStream.NONCE);
      reader.header();
      while (true) {
        Record rec = reader.next();
        if (rec instanceof Record.Trailer) {
          return Outcome.ACCEPTED;
        }
        if (rec instanceof Record.Abort) {
          return Outcome.ABORT;
        }
        if (rec instanceof Record.Data d) {
          touch(d.payload());
        }
      }
    } catch (WireFormatException e) {
      problems.merge(family(e.problem()), 1, Integer::sum);
      return Outcome.FORMAT_ERROR;
    } catch (EOFException e) {
      return Outcome.EOF;
    } catch (IOException | RuntimeException e) {
      throw new AssertionError("a corrupted stream must fail as a format error or EOF", e);
    }
  }

  private static void touch(MemorySegment payload) {
    if (payload.byteSize() > 0) {
      payload.get(java.lang.foreign.ValueLayout.JAVA_BYTE, payload.byteSize() - 1);
    }
  }

  /** The message up to its first detail: "device count 1025 is ..." -> "device count". */
  private static String family(String problem) {
    for (String f :
        List.of(
            "bad magic",
            "the sender speaks wire format version",
            "the session nonce does not match",
            "header CRC32C mismatch",
            "device count",
            "unknown record kind",
            "unknown section marker",
            "payload size",
            "payload CRC32C mismatch",
            "trailer record count mismatch",
            "trailer payload byte count mismatch",
            "stream CRC32C mismatch",
            "device index",
            "guest RAM size",
            "the abort reason")) {
      if (problem.startsWith(f)) {
        return f;
      }
    }
    return problem.startsWith("device entry") ? "device entry" : problem;
  }
}
