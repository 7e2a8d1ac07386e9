package io.jvfio.devices.mtty;

import io.jvfio.host.sdk.ResumingStream;
import io.jvfio.host.sdk.SavingStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * Test data shared by the mtty tests and by the lab run that produced the Linux resources: hex
 * stream files, seeded random port records and seeded random register-access scripts.
 *
 * <p>A script has one access a line: {@code w PORT REG VALUE} (hex value) or {@code r PORT REG};
 * {@code #} starts a comment. The lab's probe ({@code lab/mttyprobe.c}) runs the same scripts
 * against Linux's mtty.
 */
final class MttyTestData {
  private MttyTestData() {}

  static String resource(String name) {
    try (InputStream in = MttyTestData.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalArgumentException("no test resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The bytes of a hex file: hex digits, whitespace ignored, {@code #} comments to line end. */
  static byte[] hexResource(String name) {
    return parseHex(resource(name));
  }

  static byte[] parseHex(String text) {
    StringBuilder digits = new StringBuilder();
    for (String line : text.split("\n")) {
      int hash = line.indexOf('#');
      String body = hash >= 0 ? line.substring(0, hash) : line;
      digits.append(body.replaceAll("\\s", ""));
    }
    return HexFormat.of().parseHex(digits);
  }

  static String toHexFile(String comment, byte[] bytes) {
    StringBuilder sb = new StringBuilder();
    for (String line : comment.split("\n")) {
      sb.append("# ").append(line).append('\n');
    }
    String hex = HexFormat.of().formatHex(bytes);
    for (int i = 0; i < hex.length(); i += 48) {
      sb.append(hex, i, Math.min(hex.length(), i + 48)).append('\n');
    }
    return sb.toString();
  }

  /**
   * Ports holding seeded random records the UART can run: every byte random (padding and the C bool
   * bytes included) except the FIFO bookkeeping, which is drawn from the states it can be in.
   */
  static MttyDevice deviceWithRandomRecords(long seed, int ports) {
    Random rnd = new Random(seed);
    MttyDevice d = new MttyDevice(ports);
    for (int i = 0; i < ports; i++) {
      d.port(i).load(randomRecord(rnd), 0);
    }
    return d;
  }

  /** A random 36-byte record with a FIFO head, tail, count and limit the UART can run. */
  static byte[] randomRecord(Random rnd) {
    byte[] rec = new byte[SerialPort.RECORD_SIZE];
    rnd.nextBytes(rec);
    int tail = rnd.nextInt(SerialPort.FIFO_SIZE);
    int count = rnd.nextInt(SerialPort.FIFO_SIZE + 1);
    rec[24] = (byte) ((tail + count) % SerialPort.FIFO_SIZE); // head
    rec[25] = (byte) tail;
    rec[26] = (byte) count;
    rec[33] = (byte) rnd.nextInt(SerialPort.FIFO_SIZE + 1); // FIFO limit
    return rec;
  }

  /**
   * The image the lab resumed in Linux as "java-p1-random-7" / "java-p2-random-42": a header and
   * seeded random bytes for every record, FIFO indices included (Linux accepts them, we do not).
   */
  static byte[] labRandomImage(long seed, int ports) {
    Random rnd = new Random(seed);
    byte[] image = new byte[MttyImage.size(ports)];
    MttyImage.writeHeader(image, ports);
    for (int i = 0; i < ports; i++) {
      byte[] rec = new byte[SerialPort.RECORD_SIZE];
      rnd.nextBytes(rec);
      System.arraycopy(rec, 0, image, MttyImage.portOffset(i), rec.length);
    }
    return image;
  }

  /**
   * A seeded random access script that exercises every register: mostly transmits and receives,
   * with FIFO control, DLAB and divisor, interrupt enables, modem control and status reads mixed
   * in.
   */
  static String randomScript(long seed, int ports, int accesses) {
    Random rnd = new Random(seed);
    StringBuilder sb = new StringBuilder();
    sb.append("# seeded random mtty register accesses: seed ")
        .append(seed)
        .append(", ")
        .append(ports)
        .append(" port(s)\n");
    for (int i = 0; i < accesses; i++) {
      int port = rnd.nextInt(ports);
      int pick = rnd.nextInt(100);
      if (pick < 30) {
        sb.append(w(port, SerialPort.RX_TX, rnd.nextInt(256)));
      } else if (pick < 52) {
        sb.append(r(port, SerialPort.RX_TX));
      } else if (pick < 58) {
        int[] fcr = {0x00, 0x01, 0x07, 0xc7, 0x41, 0x81, 0x03, 0x06};
        sb.append(w(port, SerialPort.IIR_FCR, fcr[rnd.nextInt(fcr.length)]));
      } else if (pick < 64) {
        sb.append(w(port, SerialPort.LCR, rnd.nextBoolean() ? 0x80 | rnd.nextInt(128) : 0x03));
      } else if (pick < 70) {
        sb.append(w(port, SerialPort.IER, rnd.nextInt(256)));
      } else if (pick < 74) {
        sb.append(w(port, SerialPort.MCR, rnd.nextInt(256)));
      } else if (pick < 77) {
        sb.append(w(port, rnd.nextBoolean() ? SerialPort.SCR : SerialPort.LSR, rnd.nextInt(256)));
      } else if (pick < 79) {
        sb.append(w(port, SerialPort.MSR, rnd.nextInt(256)));
      } else {
        sb.append(r(port, 1 + rnd.nextInt(7)));
      }
    }
    return sb.toString();
  }

  private static String w(int port, int reg, int value) {
    return "w " + port + " " + reg + " " + Integer.toHexString(value) + "\n";
  }

  private static String r(int port, int reg) {
    return "r " + port + " " + reg + "\n";
  }

  /**
   * Runs a script on {@code device}; returns the values of its reads, in order, with null for a
   * receive from an empty FIFO (Linux's mtty then returns an uninitialised byte).
   */
  static List<Integer> run(MttyDevice device, String script) {
    List<Integer> reads = new ArrayList<>();
    for (String raw : script.split("\n")) {
      int hash = raw.indexOf('#');
      String line = (hash >= 0 ? raw.substring(0, hash) : raw).trim();
      if (line.isEmpty()) {
        continue;
      }
      String[] f = line.split("\\s+");
      int port = Integer.parseInt(f[1]);
      int reg = Integer.parseInt(f[2]);
      switch (f[0]) {
        case "w" -> device.writeRegister(port, reg, Integer.parseInt(f[3], 16));
        case "r" -> {
          SerialPort p = device.port(port);
          boolean undefined = reg == SerialPort.RX_TX && !p.dlab() && p.head() == p.tail();
          int v = device.readRegister(port, reg);
          reads.add(undefined ? null : v);
        }
        default -> throw new IllegalArgumentException("bad script line: " + raw);
      }
    }
    return reads;
  }

  /** Reads a saving stream in {@code chunk}-byte reads until a read returns 0. */
  static byte[] readAll(SavingStream s, int chunk) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[chunk];
    for (; ; ) {
      long n = s.read(MemorySegment.ofArray(buf));
      if (n == 0) {
        return out.toByteArray();
      }
      out.write(buf, 0, (int) n);
    }
  }

  /** One read of up to {@code len} bytes. */
  static byte[] read(SavingStream s, int len) {
    byte[] buf = new byte[len];
    long n = s.read(MemorySegment.ofArray(buf));
    return Arrays.copyOf(buf, (int) n);
  }

  /** One write of {@code bytes[from, to)}; returns what the stream says it consumed. */
  static long write(ResumingStream s, byte[] bytes, int from, int to) {
    return s.write(MemorySegment.ofArray(Arrays.copyOfRange(bytes, from, to)));
  }

  /** Writes all of {@code bytes} in seeded random pieces (1 to 17 bytes, sometimes empty). */
  static void writeInPieces(ResumingStream s, byte[] bytes, long seed) {
    Random rnd = new Random(seed);
    int pos = 0;
    while (pos < bytes.length) {
      int n = Math.min(bytes.length - pos, rnd.nextInt(18));
      long done = write(s, bytes, pos, pos + n);
      if (done != n) {
        throw new AssertionError("short write: " + done + " of " + n);
      }
      pos += n;
    }
  }
}
