package io.jvfio.migration.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The byte dumps in docs/wire-format.md are exactly what the writers produce. */
class WireDocumentationTest {
  private static final Path DOC = Path.of("..", "docs", "wire-format.md");

  /** The code blocks of the "## Example" section, in order. */
  private static List<List<String>> exampleBlocks() throws IOException {
    List<String> lines = Files.readAllLines(DOC, StandardCharsets.UTF_8);
    List<List<String>> blocks = new ArrayList<>();
    boolean inExample = false;
    List<String> block = null;
    for (String line : lines) {
      if (line.startsWith("## ")) {
        inExample = line.equals("## Example");
        continue;
      }
      if (!inExample) {
        continue;
      }
      if (line.startsWith("```")) {
        if (block == null) {
          block = new ArrayList<>();
        } else {
          blocks.add(block);
          block = null;
        }
      } else if (block != null) {
        block.add(line);
      }
    }
    return blocks;
  }

  /** The hex bytes of a dump line: the two-digit tokens before the comment (3+ spaces). */
  private static void hex(String line, boolean hasOffset, ByteArrayOutputStream out) {
    String bytes = line.split(" {3,}")[0].trim();
    if (hasOffset) {
      bytes = bytes.substring(4).trim();
    }
    for (String token : bytes.split(" ")) {
      out.write(HexFormat.fromHexDigits(token));
    }
  }

  @Test
  void theExampleStreamsAreWhatTheWritersWrite() throws IOException {
    List<List<String>> blocks = exampleBlocks();
    assertThat(blocks).hasSize(2);

    byte[] nonce = new byte[WireFormat.NONCE_BYTES];
    for (int i = 0; i < nonce.length; i++) {
      nonce[i] = (byte) (0xa0 + i);
    }
    BytesChannel c = BytesChannel.writing();
    WireWriter w = new WireWriter(c);
    w.header(nonce, List.of(new DeviceIdentity(0, "0000:00:03.0", "counter", 0x1af4, 0x10f0, 5)));
    assertThat(c.writtenLength()).isEqualTo(81);
    w.setup(0);
    w.endOfState(0);
    w.stopCopy(0);
    w.data(0, MemorySegment.ofArray("jvfio".getBytes(StandardCharsets.US_ASCII)));
    w.endOfState(0);
    w.trailer();
    w.commit();
    w.outcome(1_500_000L, 300_000_000L);
    ByteArrayOutputStream documented = new ByteArrayOutputStream();
    for (String line : blocks.get(0)) {
      hex(line, true, documented);
    }
    assertThat(HexFormat.of().formatHex(documented.toByteArray()))
        .isEqualTo(HexFormat.of().formatHex(c.written()));
    assertThat(documented.size()).isEqualTo(196);

    BytesChannel b = BytesChannel.writing();
    BackWriter bw = new BackWriter(b, 1);
    bw.hello(nonce);
    bw.accept();
    bw.switchoverAck(0);
    bw.keepAlive();
    bw.result(true, "ok", 1234L, Map.of(0, "ab"));
    ByteArrayOutputStream back = new ByteArrayOutputStream();
    for (String line : blocks.get(1)) {
      hex(line, false, back);
    }
    assertThat(HexFormat.of().formatHex(back.toByteArray()))
        .isEqualTo(HexFormat.of().formatHex(b.written()));
  }

  @Test
  void theDocumentDescribesThisVersion() throws IOException {
    String doc = Files.readString(DOC, StandardCharsets.UTF_8);
    assertThat(doc)
        .startsWith("# jvfio migration wire format, version " + WireFormat.VERSION + "\n")
        .contains("| 8 | 4 | version | u32, `" + WireFormat.VERSION + "` |")
        .contains("| 12 | " + WireFormat.NONCE_BYTES + " | session nonce |")
        .contains("| 28 | 4 | device count *n* | u32, at most " + WireFormat.MAX_DEVICES + " |")
        .contains("The fixed part before the entries is " + WireFormat.HEADER_FIXED_BYTES)
        .contains("`WireFormat.WINDOW_BYTES` = 1 MiB (" + "1 048 576 bytes)")
        .contains("## Changes from version " + (WireFormat.VERSION - 1) + "\n");
    assertThat(WireFormat.WINDOW_BYTES).isEqualTo(1_048_576);
  }
}
