package io.jvfio.uapi;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The uAPI items jvfio has that a given (older) header is allowed to lack, each with the Linux
 * commit that added it and a reason, and the strict verdict over what a header really lacks.
 *
 * <p>File format, one item a line ({@code #} starts a comment): {@code ITEM LINUX-COMMIT reason
 * words}. An item is {@code struct NAME}, {@code NAME.MEMBER} (a member the header's struct lacks)
 * or a constant name. The commit is 12 to 40 hex digits.
 */
record NewerThanHeaderList(Map<String, String> reasons) {

  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{12,40}");
  private static final Pattern ITEM =
      Pattern.compile("struct [A-Za-z_]\\w*|[A-Za-z_]\\w*\\.[A-Za-z_]\\w*|[A-Za-z_]\\w*");

  static NewerThanHeaderList empty() {
    return new NewerThanHeaderList(Collections.emptyMap());
  }

  static NewerThanHeaderList read(Path file) throws IOException {
    return parse(file.toString(), Files.readAllLines(file, StandardCharsets.UTF_8));
  }

  /** Parses the lines; a malformed line is an error naming the file and the line number. */
  static NewerThanHeaderList parse(String source, List<String> lines) {
    Map<String, String> reasons = new TreeMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      int hash = line.indexOf('#');
      String t = (hash >= 0 ? line.substring(0, hash) : line).strip();
      if (t.isEmpty()) {
        continue;
      }
      // "struct NAME" is two words; join it so the item is always the first field
      String[] f = t.replaceFirst("^struct\\s+", "struct ").split("\\s+", 4);
      boolean isStruct = f[0].equals("struct");
      String item = isStruct && f.length > 1 ? "struct " + f[1] : f[0];
      int next = isStruct ? 2 : 1;
      String where = source + ":" + (i + 1);
      if (!ITEM.matcher(item).matches()) {
        throw new IllegalArgumentException(where + ": '" + item + "' is not an item name");
      }
      if (f.length <= next + 1) {
        throw new IllegalArgumentException(
            where + ": expected 'ITEM LINUX-COMMIT reason', got '" + t + "'");
      }
      String commit = f[next];
      if (!COMMIT.matcher(commit).matches()) {
        throw new IllegalArgumentException(
            where + ": '" + commit + "' is not a Linux commit (12 to 40 lowercase hex digits)");
      }
      String reason = String.join(" ", List.of(f).subList(next + 1, f.length));
      if (reasons.put(item, commit + " " + reason) != null) {
        throw new IllegalArgumentException(where + ": '" + item + "' is listed twice");
      }
    }
    return new NewerThanHeaderList(reasons);
  }

  /**
   * What strict mode objects to: an item the header lacks that is not listed, and a listed item the
   * header has after all (the list is stale). {@code missing} is what jvfio has and the header
   * lacks; {@code known} is every item name jvfio has, so a listed name jvfio does not have is
   * reported too.
   */
  List<String> problems(Set<String> missing, Set<String> known) {
    List<String> out = new ArrayList<>();
    for (String m : missing) {
      if (!reasons.containsKey(m)) {
        out.add("'" + m + "' is missing from the header and not listed as newer than it");
      }
    }
    for (String listed : reasons.keySet()) {
      if (!known.contains(listed)) {
        out.add("'" + listed + "' is listed but jvfio has no such item");
      } else if (!missing.contains(listed)) {
        out.add("'" + listed + "' is listed as newer but the header has it (stale list)");
      }
    }
    return out;
  }
}
