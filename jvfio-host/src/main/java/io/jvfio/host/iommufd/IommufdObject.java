package io.jvfio.host.iommufd;

/**
 * An object in an iommufd context's id table. {@code users} counts references besides the table's
 * own; IOMMU_DESTROY succeeds only when it is zero.
 */
public abstract sealed class IommufdObject permits Ioas, Hwpt, IommufdDevice, IommufdAccess {
  int id;
  int users;

  public final int id() {
    return id;
  }

  public abstract String kind();

  @Override
  public String toString() {
    return kind() + " " + id;
  }
}
