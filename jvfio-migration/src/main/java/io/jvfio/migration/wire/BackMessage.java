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
   * The receiver's first message: the wire version it speaks and the session nonce the sender's
   * header must echo.
   */
  record Hello(long version, byte[] nonce) implements BackMessage {
    public Hello {
      nonce = nonce.clone();
    }

    @Override
    public byte[] nonce() {
      return nonce.clone();
    }
  }

  /**
   * The receiver checked the session header against its own devices and takes the migration: only
   * now may the sender touch a device.
   */
  record Accept() implements BackMessage {}

  /** The receiver is alive and busy (validating, loading); it bounds the sender's wait. */
  record KeepAlive() implements BackMessage {}

  /**
   * The destination's verdict once it read the trailer (loaded) or the commit (running).
   *
   * @param nanos for the running result: the time from reading the commit until every device ran
   * @param digests the content digest of each device that has one, by device index
   */
  record Result(boolean ok, String message, long nanos, Map<Integer, String> digests)
      implements BackMessage {
    public Result {
      Objects.requireNonNull(message, "message");
      digests = Collections.unmodifiableMap(new TreeMap<>(digests));
    }

    public Result(boolean ok, String message, Map<Integer, String> digests) {
      this(ok, message, 0, digests);
    }
  }

  /** The sender gives up; the reason is for people. */
  record Abort(String reason) implements BackMessage {
    public Abort {
      Objects.requireNonNull(reason, "reason");
    }
  }
}
