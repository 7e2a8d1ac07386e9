package io.jvfio.migration.wire;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/** A message of the back channel (destination to source), as {@link BackReader} returns it. */
public sealed interface BackMessage {
  /** The destination loaded the initial data of {@code device}. */
  record SwitchoverAck(int device) implements BackMessage {}

  /**
   * The destination's verdict once it read the trailer and resumed the devices.
   *
   * @param digests the content digest of each device that has one, by device index
   */
  record Result(boolean ok, String message, Map<Integer, String> digests) implements BackMessage {
    public Result {
      Objects.requireNonNull(message, "message");
      digests = Collections.unmodifiableMap(new TreeMap<>(digests));
    }
  }

  /** The sender gives up; the reason is for people. */
  record Abort(String reason) implements BackMessage {
    public Abort {
      Objects.requireNonNull(reason, "reason");
    }
  }
}
