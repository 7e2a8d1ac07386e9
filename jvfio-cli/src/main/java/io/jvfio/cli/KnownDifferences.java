package io.jvfio.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The differences {@code jvfio compare --known FILE} expects: one a line, {@code CHECK-NAME-GLOB
 * LINUX-COMMIT reason words}, {@code #} starting a comment. A glob's {@code *} matches any run of
 * characters and {@code ?} one. The lab lists here what the emulator does as mainline does and
 * Linux 6.12 does not, with the commit that changed Linux.
 */
record KnownDifferences(List<Entry> entries) {
  /** A known-differences file is a few dozen lines; anything past this is not one. */
  static final long MAX_BYTES = 1 << 20;

  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{7,40}");

  /** One line: the glob as written, its pattern, the Linux commit and why. */
  record Entry(String glob, Pattern pattern, String commit, String reason) {}

  static KnownDifferences none() {
    return new KnownDifferences(List.of());
  }

  static KnownDifferences read(Path file) {
    String where = file.toString();
    List<String> lines;
    try {
      if (Files.isDirectory(file)) {
        throw new IllegalArgumentException(where + ": is a directory, not a list of differences");
      }
      if (Files.size(file) > MAX_BYTES) {
        throw new IllegalArgumentException(
            where + ": is larger than " + (MAX_BYTES >> 10) + " KiB; not a list of differences");
      }
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(where + ": no such file");
    } catch (IOException e) {
      throw new IllegalArgumentException(where + ": cannot be read (" + e.getMessage() + ")");
    }
    return parse(where, lines);
  }

  static KnownDifferences parse(String where, List<String> lines) {
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      int hash = line.indexOf('#');
      String t = (hash >= 0 ? line.substring(0, hash) : line).strip();
      if (t.isEmpty()) {
        continue;
      }
      String[] f = t.split("\\s+", 3);
      String at = where + ":" + (i + 1);
      if (f.length < 3) {
        throw new IllegalArgumentException(
            at + ": expected 'CHECK-NAME-GLOB LINUX-COMMIT reason', got '" + t + "'");
      }
      if (!COMMIT.matcher(f[1]).matches()) {
        throw new IllegalArgumentException(
            at + ": '" + f[1] + "' is not a Linux commit (7 to 40 lowercase hex digits)");
      }
      out.add(new Entry(f[0], glob(f[0]), f[1], f[2]));
    }
    return new KnownDifferences(List.copyOf(out));
  }

  /** The first entry whose glob matches the whole check name. */
  Optional<Entry> match(String checkName) {
    return entries.stream().filter(e -> e.pattern().matcher(checkName).matches()).findFirst();
  }

  private static Pattern glob(String glob) {
    StringBuilder re = new StringBuilder();
    for (char c : glob.toCharArray()) {
      switch (c) {
        case '*' -> re.append(".*");
        case '?' -> re.append('.');
        default -> re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString());
  }
}
