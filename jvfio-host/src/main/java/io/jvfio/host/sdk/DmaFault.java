package io.jvfio.host.sdk;

/**
 * A DMA the IOMMU refused (what a DMAR fault record would say): nothing was read or written. The
 * model decides what its hardware does about it (log it, raise an error interrupt, go on).
 */
public final class DmaFault extends RuntimeException {
  /** Why the IOMMU refused the access. */
  public enum Reason {
    /** The device is attached to no IOMMU domain, IOAS or container: its DMA is blocked. */
    NOT_ATTACHED,
    /** Some byte of the range has no mapping. */
    UNMAPPED,
    /** A write to a mapping without write permission. */
    READ_ONLY,
    /** A read of a mapping without read permission. */
    WRITE_ONLY,
    /** The process memory behind the mapping is gone. */
    NO_MEMORY
  }

  private final Reason reason;
  private final long iova;
  private final long length;

  public DmaFault(Reason reason, long iova, long length) {
    super(
        "DMA fault ("
            + reason.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
            + ") at IOVA 0x"
            + Long.toHexString(iova)
            + ", "
            + length
            + " bytes");
    this.reason = reason;
    this.iova = iova;
    this.length = length;
  }

  public Reason reason() {
    return reason;
  }

  public long iova() {
    return iova;
  }

  public long length() {
    return length;
  }
}
