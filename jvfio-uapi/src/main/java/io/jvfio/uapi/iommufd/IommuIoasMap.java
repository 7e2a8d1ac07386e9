package io.jvfio.uapi.iommufd;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import io.jvfio.uapi.layout.U64;
import java.lang.foreign.StructLayout;

/** {@code struct iommu_ioas_map}: IOMMU_IOAS_MAP argument. */
public final class IommuIoasMap {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "iommu_ioas_map",
          Layouts.u32("size"),
          Layouts.u32("flags"),
          Layouts.u32("ioas_id"),
          Layouts.u32("__reserved"),
          Layouts.u64("user_va"),
          Layouts.u64("length"),
          Layouts.u64("iova"));

  /** {@code sizeof(struct iommu_ioas_map)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code argsz}/{@code size} (or payload) the kernel accepts. */
  public static final long MINSZ = 40;

  public static final U32 SIZE = U32.of(LAYOUT, "size");

  public static final U32 FLAGS = U32.of(LAYOUT, "flags");

  public static final U32 IOAS_ID = U32.of(LAYOUT, "ioas_id");

  public static final U32 RESERVED = U32.of(LAYOUT, "__reserved");

  public static final U64 USER_VA = U64.of(LAYOUT, "user_va");

  public static final U64 LENGTH = U64.of(LAYOUT, "length");

  public static final U64 IOVA = U64.of(LAYOUT, "iova");

  private IommuIoasMap() {}
}
