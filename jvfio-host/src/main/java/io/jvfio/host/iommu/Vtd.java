package io.jvfio.host.iommu;

/**
 * The registers the emulated Intel VT-d unit shows in IOMMU_GET_HW_INFO ({@code struct
 * iommu_hw_info_vtd}): a scalable-mode unit with 4-level second-stage tables, 48-bit addresses,
 * 16-bit domain ids and, when it has it, second-stage access/dirty bits (SSADS, what Linux's {@code
 * ssads_supported} and so IOMMU_CAP_DIRTY_TRACKING need). It has no nested translation (ECAP.NEST
 * clear), so IOMMU_HWPT_ALLOC_NEST_PARENT is refused. Bit positions are the VT-d specification's,
 * as Linux's {@code drivers/iommu/intel/iommu.h} reads them.
 */
public final class Vtd {
  /** CAP.ND = 6: 16-bit domain ids. */
  static final long CAP_ND_16BIT = 6;

  /** CAP.SAGAW bit 2: 4-level (48-bit) second-stage tables. */
  static final long CAP_SAGAW_4LEVEL = 1L << (8 + 2);

  /** CAP.MGAW = 48 - 1. */
  static final long CAP_MGAW_48 = 47L << 16;

  /** CAP.SLLPS bits 34-35: 2 MiB and 1 GiB second-stage pages. */
  static final long CAP_SLLPS_2M_1G = 3L << 34;

  static final long ECAP_C = 1L; // page walks are coherent
  static final long ECAP_QI = 1L << 1;
  static final long ECAP_PT = 1L << 6;
  static final long ECAP_SC = 1L << 7;
  static final long ECAP_SMTS = 1L << 43;

  /** ECAP.SLADS: second-stage accessed/dirty bits. */
  public static final long ECAP_SLADS = 1L << 45;

  static final long ECAP_SLTS = 1L << 46;
  static final long ECAP_FLTS = 1L << 47;

  /** ECAP.NEST: nested translation (off in the emulation). */
  public static final long ECAP_NEST = 1L << 26;

  private Vtd() {}

  public static long capReg() {
    return CAP_ND_16BIT | CAP_SAGAW_4LEVEL | CAP_MGAW_48 | CAP_SLLPS_2M_1G;
  }

  /** ECAP of a unit with ({@code dirtyTracking}) or without second-stage A/D bits. */
  public static long ecapReg(boolean dirtyTracking) {
    long e = ECAP_C | ECAP_QI | ECAP_PT | ECAP_SC | ECAP_SMTS | ECAP_SLTS | ECAP_FLTS;
    return dirtyTracking ? e | ECAP_SLADS : e;
  }
}
