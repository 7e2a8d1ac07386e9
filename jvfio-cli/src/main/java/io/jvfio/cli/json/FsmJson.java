package io.jvfio.cli.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * {@code jvfio fsm --json}: every (from, to) pair of states and what the device did.
 *
 * @param backend "emulated" or "native"
 * @param device the device driven ({@code --device}); absent for the probe
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FsmJson(String result, String backend, long flags, String device, List<Path> paths) {
  /**
   * One SET. On the probe: the single arcs the model carried out, or the errno. On a device: the
   * errno (absent when the SET succeeded), the {@code state} a GET read afterwards (or GET's
   * errno), whether a {@code dataFd} came back, or why the pair was {@code skipped}.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Path(
      String from,
      String to,
      List<String> arcs,
      String errno,
      String state,
      Boolean dataFd,
      String skipped) {}
}
