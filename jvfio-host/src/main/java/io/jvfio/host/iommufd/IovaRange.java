package io.jvfio.host.iommufd;

import io.jvfio.host.iommu.Iova;

/** An inclusive IOVA range {@code [start, last]} (unsigned). */
public record IovaRange(long start, long last) {
  public boolean intersects(long s, long l) {
    return Iova.intersects(start, last, s, l);
  }

  @Override
  public String toString() {
    return String.format("[0x%x, 0x%x]", start, last);
  }
}
