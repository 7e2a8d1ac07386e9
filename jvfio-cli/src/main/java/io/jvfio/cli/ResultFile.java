package io.jvfio.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One file {@code jvfio compare} reads: the output of {@code jvfio conformance --json} or of {@code
 * jvfio fsm --json}, whichever it is, as devices with named checks. What is wrong with a file (too
 * big, missing, not JSON, another shape, a failed run's error object) is an {@link
 * IllegalArgumentException} whose message names the file and what is wrong.
 *
 * <p>A conformance check is its {@code name}, {@code status} and {@code actual}. An fsm pair is a
 * check named "FROM->TO"; its status is "skip" when it has {@code skipped}, "errno" when it has
 * {@code errno}, else "ok", and its actual is every other field of the pair (errno, state read
 * back, data fd, arcs) written as sorted compact JSON, so whatever the fsm output carries is
 * compared.
 */
record ResultFile(Path file, Kind kind, String backend, List<Device> devices) {
  /** Far above any real output (the whole kit on 100 devices is a few MiB). */
  static final long MAX_BYTES = 64L << 20;

  private static final JsonMapper JSON =
      JsonMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

  /** Which command wrote the file. */
  enum Kind {
    CONFORMANCE("conformance"),
    FSM("fsm");

    final String command;

    Kind(String command) {
      this.command = command;
    }
  }

  /** A device: its name (BDF, mdev UUID; null when the output names none) and its checks. */
  record Device(String name, List<Check> checks) {}

  /** One check as compared: status and actual; {@code expected} only to show. */
  record Check(String name, String status, String actual, String expected) {}

  static ResultFile read(Path file) {
    String where = file.toString();
    byte[] bytes;
    try {
      if (Files.isDirectory(file)) {
        throw bad(where, "is a directory, not a JSON file");
      }
      long size = Files.size(file);
      if (size > MAX_BYTES) {
        throw bad(
            where,
            "is "
                + size
                + " bytes, more than the "
                + (MAX_BYTES >> 20)
                + " MiB a result file can be");
      }
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw bad(where, "no such file");
    } catch (AccessDeniedException e) {
      throw bad(where, "cannot be read (permission denied)");
    } catch (IOException e) {
      throw bad(where, "cannot be read: " + e.getMessage());
    }
    return parse(where, file, new String(bytes, StandardCharsets.UTF_8));
  }

  static ResultFile parse(String where, Path file, String text) {
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw bad(
          where,
          "is not JSON ("
              + e.getOriginalMessage().lines().findFirst().orElse("")
              + " at line "
              + e.getLocation().getLineNr()
              + ")");
    }
    if (root == null || root.isMissingNode()) {
      throw bad(where, "is empty, not a JSON object");
    }
    if (!root.isObject()) {
      throw bad(
          where, "is JSON but not an object; expected the output of conformance or fsm --json");
    }
    String backend = text(root, "backend");
    if (root.has("devices")) {
      return new ResultFile(
          file, Kind.CONFORMANCE, backend, conformance(where, root.get("devices")));
    }
    if (root.has("paths")) {
      return new ResultFile(file, Kind.FSM, backend, List.of(fsm(where, root)));
    }
    if (root.has("error")) {
      throw bad(
          where,
          "is a run that did not finish (result "
              + text(root, "result")
              + ": "
              + text(root, "error")
              + "), not results to compare");
    }
    throw bad(where, "has neither \"devices\" (conformance --json) nor \"paths\" (fsm --json)");
  }

  private static List<Device> conformance(String where, JsonNode devices) {
    if (!devices.isArray()) {
      throw bad(where, "\"devices\" is not an array");
    }
    List<Device> out = new ArrayList<>();
    for (int i = 0; i < devices.size(); i++) {
      JsonNode d = devices.get(i);
      String at = "devices[" + i + "]";
      if (!d.isObject() || !d.path("checks").isArray()) {
        throw bad(where, at + " is not an object with a \"checks\" array");
      }
      List<Check> checks = new ArrayList<>();
      JsonNode cs = d.get("checks");
      for (int j = 0; j < cs.size(); j++) {
        JsonNode c = cs.get(j);
        String cat = at + ".checks[" + j + "]";
        if (!c.isObject() || !c.path("name").isTextual() || !c.path("status").isTextual()) {
          throw bad(where, cat + " is not an object with a text \"name\" and \"status\"");
        }
        checks.add(
            new Check(
                c.get("name").asText(),
                c.get("status").asText(),
                c.path("actual").isNull() ? "" : c.path("actual").asText(""),
                c.path("expected").asText("")));
      }
      out.add(new Device(text(d, "device"), checks));
    }
    return out;
  }

  private static Device fsm(String where, JsonNode root) {
    JsonNode paths = root.get("paths");
    if (!paths.isArray()) {
      throw bad(where, "\"paths\" is not an array");
    }
    List<Check> checks = new ArrayList<>();
    for (int i = 0; i < paths.size(); i++) {
      JsonNode p = paths.get(i);
      if (!p.isObject() || !p.path("from").isTextual() || !p.path("to").isTextual()) {
        throw bad(where, "paths[" + i + "] is not an object with text \"from\" and \"to\"");
      }
      Map<String, JsonNode> rest = new TreeMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = p.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getKey().equals("from") && !e.getKey().equals("to")) {
          rest.put(e.getKey(), e.getValue());
        }
      }
      ObjectNode sorted = JSON.createObjectNode();
      rest.forEach(sorted::set);
      String status = p.has("skipped") ? "skip" : p.has("errno") ? "errno" : "ok";
      checks.add(
          new Check(
              p.get("from").asText() + "->" + p.get("to").asText(), status, sorted.toString(), ""));
    }
    return new Device(text(root, "device"), checks);
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v != null && v.isValueNode() && !v.isNull() ? v.asText() : null;
  }

  private static IllegalArgumentException bad(String where, String what) {
    return new IllegalArgumentException(where + ": " + what);
  }
}
