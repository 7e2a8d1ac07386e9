package io.jvfio.uapi.vfio;

import io.jvfio.uapi.layout.Layouts;
import io.jvfio.uapi.layout.U32;
import java.lang.foreign.StructLayout;

/**
 * {@code struct vfio_device_low_power_entry_with_wakeup}: Payload of
 * VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP.
 */
public final class VfioDeviceLowPowerEntryWithWakeup {
  public static final StructLayout LAYOUT =
      Layouts.struct(
          "vfio_device_low_power_entry_with_wakeup",
          Layouts.s32("wakeup_eventfd"),
          Layouts.u32("reserved"));

  /** {@code sizeof(struct vfio_device_low_power_entry_with_wakeup)}. */
  public static final long SIZEOF = LAYOUT.byteSize();

  /** The smallest {@code argsz}/{@code size} (or payload) the kernel accepts. */
  public static final long MINSZ = 8;

  public static final U32 WAKEUP_EVENTFD = U32.of(LAYOUT, "wakeup_eventfd");

  public static final U32 RESERVED = U32.of(LAYOUT, "reserved");

  private VfioDeviceLowPowerEntryWithWakeup() {}
}
