package io.jvfio.cli;

import io.jvfio.client.DeviceNode;
import io.jvfio.uapi.Syscalls;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Where a command's vfio devices are: jvfio's emulated host, or this machine's kernel. A command
 * finds its devices here and opens them through a {@link Session}'s {@link Syscalls}, so the same
 * client, kit and engine code runs on both.
 */
sealed interface Backend permits EmulatedBackend, NativeBackend {

  /** The value of {@code --backend} that chose it. */
  BackendKind kind();

  /** Every vfio device this backend can open, in the order a person would list them. */
  List<DeviceNode> devices();

  /** Where the devices come from, for messages ("topology lab-vm.topology", "this machine"). */
  String describe();

  /** A fresh process-like context: its fds are closed when it closes, as at a process's exit. */
  Session session(String name);

  /** The syscalls of one process, and the end of that process. */
  interface Session extends AutoCloseable {
    Syscalls sys();

    @Override
    void close();
  }

  /**
   * The device {@code text} names (a PCI address, an mdev's UUID, or a cdev path), or a usage error
   * for {@code option} that lists the devices there are.
   */
  default DeviceNode device(String option, String text) {
    String name = text;
    if (!text.startsWith("/") && !Checks.isUuid(text)) {
      // a short PCI address (02:01.0) names the function its long form does
      try {
        name = io.jvfio.host.pci.PciAddress.parse(text).toString();
      } catch (IllegalArgumentException e) {
        name = text;
      }
    }
    for (DeviceNode d : devices()) {
      if (d.isNamedBy(name)) {
        return d;
      }
    }
    for (DeviceNode d : devices()) {
      if (d.isNamedBy(text) || text.equals(d.groupPath()) && sameGroupAlone(d)) {
        return d;
      }
    }
    List<DeviceNode> all = devices();
    String choice =
        all.isEmpty()
            ? describe() + " has no vfio device"
            : "the vfio devices of "
                + describe()
                + " are "
                + all.stream().map(DeviceNode::name).collect(Collectors.joining(", "));
    throw UsageException.of(option, text, "no such vfio device; " + choice);
  }

  /** A group node names a device only when the group has no other vfio device. */
  private boolean sameGroupAlone(DeviceNode d) {
    return devices().stream().filter(o -> d.groupPath().equals(o.groupPath())).count() == 1;
  }
}
