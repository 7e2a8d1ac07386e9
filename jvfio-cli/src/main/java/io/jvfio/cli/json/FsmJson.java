package io.jvfio.cli.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** {@code jvfio fsm --json}: every (from, to) pair of states and what the device did. */
public record FsmJson(String result, long flags, List<Path> paths) {
  /** One SET: the single arcs the model carried out, or the errno (the other is absent). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Path(String from, String to, List<String> arcs, String errno) {}
}
