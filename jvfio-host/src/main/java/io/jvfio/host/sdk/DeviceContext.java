package io.jvfio.host.sdk;

import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * What the core tells a model about the function it plays. {@code memoryLock} is vfio-pci's memory
 * lock of the function: a model doing BAR or DMA work that a reset must not cut holds its read
 * side, and a hot reset finds the function busy (EBUSY) meanwhile. Whoever holds it must not make
 * syscalls until it lets go. {@code dma} is the device's DMA to the memory user space mapped for it
 * (see {@link Dma}).
 */
public record DeviceContext(String bdf, int vendor, int device, ReadWriteLock memoryLock, Dma dma) {
  /** A context whose device cannot reach any memory by DMA. */
  public DeviceContext(String bdf, int vendor, int device, ReadWriteLock memoryLock) {
    this(bdf, vendor, device, memoryLock, Dma.NONE);
  }

  /** A context with a lock of its own and no DMA (for models used outside a host). */
  public DeviceContext(String bdf, int vendor, int device) {
    this(bdf, vendor, device, new ReentrantReadWriteLock());
  }
}
