package io.jvfio.nativebackend;

import io.jvfio.client.DeviceNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The vfio devices of a machine as sysfs shows them: PCI functions bound to vfio-pci or a variant
 * driver, and mediated devices bound to a vfio mdev driver. Nothing is opened; only links and small
 * attribute files are read, so a scan needs no privilege and works on a copy of the tree.
 *
 * <p>What tells a vfio device: a {@code vfio-dev/vfioN} directory (the vfio cdev, Linux 6.6 and
 * later with CONFIG_VFIO_DEVICE_CDEV), else, for a PCI function, a driver whose name is vfio-pci or
 * holds "vfio" (the variant drivers: mlx5_vfio_pci, hisi_acc_vfio_pci, ...), and for an mdev any
 * bound driver with an {@code iommu_group} link, since every mdev driver Linux has is a vfio one
 * (mtty, mbochs, vfio_ccw, vfio_ap, i915's kvmgt) and the group appears only when it registers.
 */
public final class SysfsDevices {
  private static final String CDEV_DIR = "/dev/vfio/devices/";
  private static final String GROUP_DIR = "/dev/vfio/";
  // the iommu_group name Linux gives the groups it makes itself (vfio_noiommu_group_alloc)
  private static final String VFIO_OWN_GROUP = "vfio-noiommu";

  private SysfsDevices() {}

  /** What a scan found, and a sentence for each device it had to leave out. */
  public record Scan(List<DeviceNode> devices, List<String> problems) {}

  /** Every vfio device under {@code sysRoot} (normally {@code /sys}), in listing order. */
  public static List<DeviceNode> scan(Path sysRoot) {
    return scanWithProblems(sysRoot).devices();
  }

  /**
   * Every vfio device under {@code sysRoot}, and why any device that looks like one was left out (a
   * broken link, an unreadable id). Order: by cdev number when every device has a cdev (the order
   * the kernel registered them), else PCI functions by address, then mdevs by UUID.
   */
  public static Scan scanWithProblems(Path sysRoot) {
    List<DeviceNode> found = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (Path dir : entries(sysRoot.resolve("bus/pci/devices"))) {
      pci(sysRoot, dir, problems).ifPresent(found::add);
    }
    for (Path dir : entries(sysRoot.resolve("bus/mdev/devices"))) {
      mdev(sysRoot, dir, problems).ifPresent(found::add);
    }
    boolean allCdev = found.stream().allMatch(d -> d.cdevPath() != null);
    Comparator<DeviceNode> order =
        allCdev
            ? Comparator.comparingInt(SysfsDevices::cdevNumber)
            : Comparator.comparing((DeviceNode d) -> d.kind().ordinal())
                .thenComparing(d -> d.name().toLowerCase(Locale.ROOT));
    found.sort(order);
    return new Scan(List.copyOf(found), List.copyOf(problems));
  }

  /**
   * Why a scan of {@code sysRoot} found nothing, as a sentence that says what to do; the first
   * missing piece is named (sysfs, PCI, the vfio-pci module, a bound device).
   */
  public static String whyEmpty(Path sysRoot) {
    if (!Files.isDirectory(sysRoot.resolve("bus"))) {
      return sysRoot + " has no bus directory: sysfs is not mounted there";
    }
    boolean pci = Files.isDirectory(sysRoot.resolve("bus/pci/devices"));
    boolean mdev = Files.isDirectory(sysRoot.resolve("bus/mdev/devices"));
    if (!pci && !mdev) {
      return "this machine shows no PCI bus and no mdev bus in "
          + sysRoot
          + "/bus, so it has no device vfio can take";
    }
    boolean vfioPci =
        Files.isDirectory(sysRoot.resolve("bus/pci/drivers/vfio-pci"))
            || Files.isDirectory(sysRoot.resolve("module/vfio_pci"));
    if (!vfioPci && !mdev) {
      return "vfio-pci is not loaded (modprobe vfio-pci), and no mdev parent is registered";
    }
    return "no PCI function is bound to vfio-pci or a vfio variant driver, and no mdev to a vfio"
        + " mdev driver (bind one: echo vfio-pci > "
        + sysRoot
        + "/bus/pci/devices/BDF/driver_override, then echo BDF >"
        + " "
        + sysRoot
        + "/bus/pci/drivers_probe)";
  }

  /**
   * The driver of PCI function {@code bdf} as sysfs names it: "none" when nothing is bound,
   * "absent" when sysfs has no such function.
   */
  public static String pciDriver(Path sysRoot, String bdf) {
    Path dir = sysRoot.resolve("bus/pci/devices").resolve(bdf);
    if (!Files.exists(dir)) {
      return "absent";
    }
    String driver = linkName(dir.resolve("driver"));
    return driver == null ? "none" : driver;
  }

  private static Optional<DeviceNode> pci(Path sysRoot, Path dir, List<String> problems) {
    String name = dir.getFileName().toString();
    String driver = linkName(dir.resolve("driver"));
    String cdev = cdev(dir);
    if (cdev == null && (driver == null || !isVfioPciDriver(driver))) {
      return Optional.empty();
    }
    try {
      String group = groupPath(sysRoot, dir, false);
      int vendor = id(dir.resolve("vendor"));
      int device = id(dir.resolve("device"));
      return Optional.of(
          new DeviceNode(
              name,
              cdev,
              group,
              DeviceNode.Kind.PCI,
              vendor,
              device,
              driver == null ? "unknown" : driver));
    } catch (Unreadable e) {
      problems.add(name + " (" + (driver == null ? "no driver" : driver) + "): " + e.getMessage());
      return Optional.empty();
    }
  }

  private static Optional<DeviceNode> mdev(Path sysRoot, Path dir, List<String> problems) {
    String name = dir.getFileName().toString();
    String driver = linkName(dir.resolve("driver"));
    String cdev = cdev(dir);
    boolean grouped = Files.isSymbolicLink(dir.resolve("iommu_group"));
    if (cdev == null && (driver == null || !grouped)) {
      return Optional.empty(); // no vfio driver has taken it (yet)
    }
    try {
      String group = groupPath(sysRoot, dir, true);
      return Optional.of(
          new DeviceNode(name, cdev, group, DeviceNode.Kind.MDEV, 0, 0, mdevDriver(dir)));
    } catch (Unreadable e) {
      problems.add(name + " (mdev): " + e.getMessage());
      return Optional.empty();
    }
  }

  /** vfio-pci, or a variant driver: every one Linux has carries "vfio" in its name. */
  static boolean isVfioPciDriver(String driver) {
    return driver.equals("vfio-pci") || driver.contains("vfio");
  }

  /**
   * {@code mdev:PARENT/TYPE}: the {@code mdev_type} link points at {@code
   * PARENT/mdev_supported_types/TYPE}, where TYPE is the parent driver's name and the type's
   * (mtty's "mtty-2").
   */
  private static String mdevDriver(Path dir) throws Unreadable {
    readLink(dir.resolve("mdev_type"), "mdev_type");
    Path type;
    try {
      // the link is relative (../mdev_supported_types/TYPE) and dir itself may be a link
      type = dir.resolve("mdev_type").toRealPath();
    } catch (IOException e) {
      throw new Unreadable("its mdev_type link is broken");
    }
    Path types = type.getParent();
    Path parent = types == null ? null : types.getParent();
    if (parent == null || parent.getFileName() == null) {
      throw new Unreadable("its mdev_type link (" + type + ") does not name a parent device");
    }
    return "mdev:" + parent.getFileName() + "/" + type.getFileName();
  }

  /**
   * {@code /dev/vfio/devices/vfioN} when the device has a {@code vfio-dev/vfioN} dir, else null.
   */
  private static String cdev(Path dir) {
    for (Path p : entries(dir.resolve("vfio-dev"))) {
      String n = p.getFileName().toString();
      if (n.matches("vfio[0-9]+")) {
        return CDEV_DIR + n;
      }
    }
    return null;
  }

  /**
   * The group node: {@code /dev/vfio/N} for iommu group N, or {@code /dev/vfio/noiommu-N} when vfio
   * made the group itself for a PCI function without an IOMMU. An mdev's group is made by vfio too
   * (same name) but is an emulated one, whose node has no prefix.
   */
  private static String groupPath(Path sysRoot, Path dir, boolean mdev) throws Unreadable {
    Path link = readLink(dir.resolve("iommu_group"), "iommu_group");
    String id = link.getFileName().toString();
    if (!id.matches("[0-9]+")) {
      throw new Unreadable("its iommu_group link points at " + link + ", not a group number");
    }
    Path classDir = sysRoot.resolve("class/vfio");
    if (Files.exists(classDir.resolve("noiommu-" + id))) {
      return GROUP_DIR + "noiommu-" + id;
    }
    if (Files.exists(classDir.resolve(id))) {
      return GROUP_DIR + id;
    }
    // no class entry to go by (a partial copy of sysfs): the group's name tells it
    Path groupDir = dir.resolve("iommu_group");
    boolean own =
        Files.isDirectory(groupDir) && VFIO_OWN_GROUP.equals(text(groupDir.resolve("name")));
    return GROUP_DIR + (own && !mdev ? "noiommu-" : "") + id;
  }

  private static int id(Path file) throws Unreadable {
    String t = text(file);
    if (t == null) {
      throw new Unreadable("cannot read " + file.getFileName());
    }
    try {
      return Integer.decode(t);
    } catch (NumberFormatException e) {
      throw new Unreadable(file.getFileName() + " holds \"" + t + "\", not an id");
    }
  }

  private static int cdevNumber(DeviceNode d) {
    return Integer.parseInt(d.cdevPath().substring((CDEV_DIR + "vfio").length()));
  }

  /** A link's target, which need not exist; a missing link or non-link is a problem. */
  private static Path readLink(Path link, String what) throws Unreadable {
    try {
      return Files.readSymbolicLink(link);
    } catch (IOException | UnsupportedOperationException e) {
      throw new Unreadable("it has no " + what + " link");
    }
  }

  /** The file name a link points at, or null when there is no link (no driver bound). */
  private static String linkName(Path link) {
    try {
      Path p = Files.readSymbolicLink(link).getFileName();
      return p == null ? null : p.toString();
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }

  private static String text(Path file) {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII).trim();
    } catch (IOException e) {
      return null;
    }
  }

  private static List<Path> entries(Path dir) {
    List<Path> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      ds.forEach(out::add);
    } catch (IOException e) {
      return out; // unreadable: as if empty; whyEmpty names the missing piece
    }
    out.sort(Comparator.comparing(p -> p.getFileName().toString()));
    return out;
  }

  /** A device that looks like a vfio device but whose sysfs entry cannot be read as one. */
  private static final class Unreadable extends Exception {
    Unreadable(String message) {
      super(message, null, false, false);
    }
  }
}
