package io.jvfio.host.iommufd;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A paging HW page table: an IOMMU domain over an IOAS. Auto-created ones (from ATTACH with an IOAS
 * id) disappear with their last attached device.
 */
public final class Hwpt extends IommufdObject {
  final Ioas ioas;
  final boolean autoDomain;
  final Set<IommufdDevice> devices = new LinkedHashSet<>();

  Hwpt(Ioas ioas, boolean autoDomain) {
    this.ioas = ioas;
    this.autoDomain = autoDomain;
  }

  public Ioas ioas() {
    return ioas;
  }

  public boolean autoDomain() {
    return autoDomain;
  }

  @Override
  public String kind() {
    return "hwpt_paging";
  }
}
