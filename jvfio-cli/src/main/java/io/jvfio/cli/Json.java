package io.jvfio.cli;

import java.util.List;
import java.util.Map;

/** A small JSON writer for the CLI's machine-readable output (maps, lists, strings, numbers). */
final class Json {
  private Json() {}

  /** One line, no spaces: for output that scripts match exactly. */
  static String compact(Object value) {
    StringBuilder sb = new StringBuilder();
    compact(sb, value);
    return sb.toString();
  }

  private static void compact(StringBuilder sb, Object v) {
    switch (v) {
      case Map<?, ?> m -> {
        sb.append('{');
        int i = 0;
        for (Map.Entry<?, ?> e : m.entrySet()) {
          if (i++ > 0) {
            sb.append(',');
          }
          quote(sb, String.valueOf(e.getKey()));
          sb.append(':');
          compact(sb, e.getValue());
        }
        sb.append('}');
      }
      case List<?> l -> {
        sb.append('[');
        for (int i = 0; i < l.size(); i++) {
          if (i > 0) {
            sb.append(',');
          }
          compact(sb, l.get(i));
        }
        sb.append(']');
      }
      case null, default -> write(sb, v, "");
    }
  }

  static String write(Object value) {
    StringBuilder sb = new StringBuilder();
    write(sb, value, "");
    return sb.toString();
  }

  private static void write(StringBuilder sb, Object v, String indent) {
    switch (v) {
      case null -> sb.append("null");
      case String s -> quote(sb, s);
      case Number n -> sb.append(n);
      case Boolean b -> sb.append(b);
      case Map<?, ?> m -> {
        if (m.isEmpty()) {
          sb.append("{}");
          return;
        }
        sb.append("{\n");
        int i = 0;
        for (Map.Entry<?, ?> e : m.entrySet()) {
          sb.append(indent).append("  ");
          quote(sb, String.valueOf(e.getKey()));
          sb.append(": ");
          write(sb, e.getValue(), indent + "  ");
          sb.append(++i < m.size() ? ",\n" : "\n");
        }
        sb.append(indent).append('}');
      }
      case List<?> l -> {
        if (l.isEmpty()) {
          sb.append("[]");
          return;
        }
        sb.append("[\n");
        for (int i = 0; i < l.size(); i++) {
          sb.append(indent).append("  ");
          write(sb, l.get(i), indent + "  ");
          sb.append(i + 1 < l.size() ? ",\n" : "\n");
        }
        sb.append(indent).append(']');
      }
      default -> throw new IllegalArgumentException("cannot write " + v.getClass());
    }
  }

  private static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
