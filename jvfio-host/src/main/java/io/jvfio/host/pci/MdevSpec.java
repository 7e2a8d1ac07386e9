package io.jvfio.host.pci;

/**
 * One mediated device of a topology description: an instance of a parent's type, created by writing
 * its UUID to the type's {@code create} file. The vfio core registers it as an emulated IOMMU
 * device, so it sits alone in an IOMMU group of its own.
 *
 * @param uuid the instance's name, canonical lower-case UUID ({@code dev_name} of the mdev)
 * @param type the parent and type it was created from
 * @param iommuGroup the number Linux gave its group
 */
public record MdevSpec(String uuid, MdevType type, int iommuGroup) {

  public MdevSpec {
    if (!isCanonicalUuid(uuid)) {
      throw new IllegalArgumentException(
          "mdev name must be a lower-case UUID like 83b8f4f2-509f-382f-3c1e-e6bfe0fa1001, got "
              + uuid);
    }
    if (iommuGroup < 0) {
      throw new IllegalArgumentException("mdev group must not be negative, got " + iommuGroup);
    }
  }

  // the kernel prints an mdev's name with %pUl: lower case, dashes after 8, 12, 16 and 20 digits
  private static boolean isCanonicalUuid(String s) {
    if (s.length() != 36) {
      return false;
    }
    for (int i = 0; i < 36; i++) {
      char c = s.charAt(i);
      boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
      if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }
}
