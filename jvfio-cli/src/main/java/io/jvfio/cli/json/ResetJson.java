package io.jvfio.cli.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * {@code jvfio reset --json}.
 *
 * @param result {@value CliJson#OK} when every function in the scope was reset, else {@value
 *     CliJson#FAILED}
 * @param as how the devices were opened: "cdev" or "group"
 * @param device the device asked for
 * @param info what VFIO_DEVICE_GET_PCI_HOT_RESET_INFO answered (flags 0 and no devices when it
 *     failed)
 * @param blocking the functions in the scope this process does not own (absent when none)
 * @param errno the errno of the refusal or failure (absent on success)
 * @param reason why, and what the user can do, in a sentence (absent on success)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ResetJson(
    String result,
    String as,
    String device,
    Info info,
    List<String> blocking,
    String errno,
    String reason) {
  /** The INFO answer: its flags and one entry per function in the reset scope. */
  public record Info(int flags, List<Entry> devices) {}

  /** A function in the scope; {@code id} is its devid (cdev) or group id (group), unsigned. */
  public record Entry(int segment, int bus, int devfn, long id) {}
}
