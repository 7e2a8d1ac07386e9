package io.jvfio.host.iommufd;

import io.jvfio.host.kernel.UserMemory;

/**
 * One mapping of an IOAS: {@code length} bytes of the mapping process's memory at {@code userVa},
 * visible to devices at {@code iova}.
 */
public record Area(long iova, long length, long userVa, int prot, UserMemory memory) {
  public long last() {
    return iova + length - 1;
  }
}
