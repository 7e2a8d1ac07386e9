package io.jvfio.devices.memdev;

import static io.jvfio.uapi.vfio.MigrationState.PRE_COPY;
import static io.jvfio.uapi.vfio.MigrationState.RESUMING;
import static io.jvfio.uapi.vfio.MigrationState.RUNNING;
import static io.jvfio.uapi.vfio.MigrationState.RUNNING_P2P;
import static io.jvfio.uapi.vfio.MigrationState.STOP;

import io.jvfio.host.sdk.DeviceBrokenException;
import io.jvfio.host.sdk.DeviceContext;
import io.jvfio.host.sdk.DeviceModel;
import io.jvfio.host.sdk.Dma;
import io.jvfio.host.sdk.DmaFault;
import io.jvfio.host.sdk.DmaLogging;
import io.jvfio.host.sdk.DmaWriteLog;
import io.jvfio.host.sdk.MigrationArcs;
import io.jvfio.host.sdk.MigrationDriver;
import io.jvfio.host.sdk.MigrationException;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.vfio.MigrationState;
import io.jvfio.uapi.vfio.VfioConstants;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A device with {@code N} bytes of internal memory (native memory reserved at once and committed in
 * 2 MiB chunks on first write, see {@link LazyMemory} and {@link MemoryBudget}: memory never
 * written costs nothing, reads as zeros and migrates as ZERO records), tracked for changes in 4 KiB
 * pages, and a workload that keeps dirtying random pages at a configurable rate with a seeded
 * generator. It migrates its whole memory with the stream format of {@link io.jvfio.devices.memdev
 * this package}.
 *
 * <p><b>Workload.</b> A daemon thread runs between {@link #open} and {@link #close}; it dirties
 * pages only while the device is in RUNNING or PRE_COPY (the P2P states quiesce it, STOP,
 * STOP_COPY, RESUMING and ERROR stop it). Each step writes one random 8-byte word of one random
 * page of device memory. {@link #runWorkload} performs steps synchronously with the same generator,
 * for reproducible tests (rate 0 leaves the thread idle).
 *
 * <p><b>DMA.</b> While the device is attached to an IO address space with writable mappings, the
 * workload also writes guest memory by DMA ({@link DeviceContext#dma()}), at its own rate ({@link
 * Config#dmaWritesPerSecond()}, by default one DMA write per workload step): one random 8-byte word
 * of one random mapped page each time, from a generator of its own. Those writes land in the VMM's
 * memory and feed the device's DMA log ({@link DmaWriteLog}), so a DMA logging report holds exactly
 * the pages written; a write the IOMMU refuses (an unmap raced it) is counted by the port and
 * skipped. {@link #runDmaWrites} performs DMA writes synchronously.
 *
 * <p><b>Out of memory.</b> A write that needs more backing memory than the budget allows writes
 * nothing and fails: {@link OutOfDeviceMemory} from the Java methods, ENOMEM from a data fd write.
 * When the workload thread hits it, it stops and the device's next migration arc fails with ENOMEM
 * and leaves the device in ERROR until a reset.
 *
 * <p><b>Resets.</b> {@link #reset()} is a power-on: the memory is zeroed and the dirty bitmap
 * cleared (sessions are retired by the core, DMA logging is kept, as the spec allows). {@link
 * MigrationDriver#migrationReset()} only drops the migration sessions and puts the device back in
 * RUNNING; memory is untouched.
 *
 * <p><b>stop_copy_length.</b> Outside a saving session it is exact: the length of a STOP to
 * STOP_COPY stream (header, every written chunk's pages once, a ZERO record per run of unwritten
 * chunks, end marker). During a saving session it is what the session still has to deliver: the
 * unread rest of the initial image and of the record in flight, an upper bound for the dirty pages
 * (one chunk each; runs of adjacent pages coalesce, so the real stream can be shorter), and the end
 * marker unless it was already delivered.
 *
 * <p>Thread safety: one lock guards the memory, the dirty bitmaps and the state; the core calls
 * arcs, reads and writes from one thread at a time while the workload runs concurrently. {@link
 * #destroy()} stops the thread and frees the memory; {@code Host.close()} calls it.
 */
public final class MemDevice implements DeviceModel {
  public static final String NAME = "memdev";
  public static final int PAGE_SIZE = StreamFormat.PAGE_SIZE;

  /** The largest memory accepted: 1 TiB. */
  public static final long MAX_MEMORY_SIZE = 1L << 40;

  private static final int MAX_BATCH = 4096;

  /**
   * The most workload steps, and apart from them DMA writes, the workload thread performs in one
   * hold of the device lock: a migration arc waiting for the lock then waits for at most 2 x 32
   * small operations (well under 1 ms), not for a catch-up batch of thousands.
   */
  static final int LOCK_BATCH = 32;

  private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  /**
   * How a memdev is built: memory size (a positive multiple of 4 KiB), migration flags (0x1, 0x3,
   * 0x5 or 0x7), workload rate in dirtied pages per second (0: no background workload), the
   * workload's seed, and whether its saving streams give every chunk a CRC32C of its data ({@code
   * dataCrc}; without it the device leaves data integrity to the transport, as real devices do, and
   * the data path reads the memory once). Resuming accepts either form whatever this says.
   */
  public record Config(
      long memorySize,
      long migrationFlags,
      double dirtyPagesPerSecond,
      long seed,
      boolean dataCrc,
      double dmaWritesPerSecond) {
    public static final long DEFAULT_MEMORY_SIZE = 4L << 20;

    /** {@link #dmaWritesPerSecond} meaning "one DMA write per workload step". */
    public static final double DMA_PER_STEP = -1;

    /**
     * Saving streams of the default configuration carry no data checksums: the transport checks
     * payloads (one CRC32C per byte per side), as it must for real devices.
     */
    public static final boolean DEFAULT_DATA_CRC = false;

    public Config {
      if (memorySize <= 0 || memorySize % PAGE_SIZE != 0 || memorySize > MAX_MEMORY_SIZE) {
        throw new IllegalArgumentException(
            "memdev memory size " + memorySize + " is not a positive multiple of 4096 up to 1 TiB");
      }
      if (!MigrationArcs.validFlags(migrationFlags)) {
        throw new IllegalArgumentException(
            "memdev migration flags 0x" + Long.toHexString(migrationFlags));
      }
      if (!(dirtyPagesPerSecond >= 0) || Double.isInfinite(dirtyPagesPerSecond)) {
        throw new IllegalArgumentException("memdev dirty rate " + dirtyPagesPerSecond);
      }
      if (dmaWritesPerSecond != DMA_PER_STEP
          && (!(dmaWritesPerSecond >= 0) || Double.isInfinite(dmaWritesPerSecond))) {
        throw new IllegalArgumentException("memdev DMA rate " + dmaWritesPerSecond);
      }
    }

    /** DMA at one write per workload step ({@link #DMA_PER_STEP}). */
    public Config(
        long memorySize,
        long migrationFlags,
        double dirtyPagesPerSecond,
        long seed,
        boolean dataCrc) {
      this(memorySize, migrationFlags, dirtyPagesPerSecond, seed, dataCrc, DMA_PER_STEP);
    }

    /** With the default data checksum choice ({@link #DEFAULT_DATA_CRC}). */
    public Config(long memorySize, long migrationFlags, double dirtyPagesPerSecond, long seed) {
      this(memorySize, migrationFlags, dirtyPagesPerSecond, seed, DEFAULT_DATA_CRC, DMA_PER_STEP);
    }

    /** 4 MiB, STOP_COPY|P2P|PRE_COPY, no background workload, seed 1, {@link #DEFAULT_DATA_CRC}. */
    public static Config defaults() {
      return new Config(
          DEFAULT_MEMORY_SIZE,
          VfioConstants.VFIO_MIGRATION_STOP_COPY
              | VfioConstants.VFIO_MIGRATION_P2P
              | VfioConstants.VFIO_MIGRATION_PRE_COPY,
          0,
          1,
          DEFAULT_DATA_CRC,
          DMA_PER_STEP);
    }

    public Config withMemorySize(long bytes) {
      return new Config(
          bytes, migrationFlags, dirtyPagesPerSecond, seed, dataCrc, dmaWritesPerSecond);
    }

    public Config withMigrationFlags(long flags) {
      return new Config(memorySize, flags, dirtyPagesPerSecond, seed, dataCrc, dmaWritesPerSecond);
    }

    public Config withDirtyRate(double pagesPerSecond) {
      return new Config(
          memorySize, migrationFlags, pagesPerSecond, seed, dataCrc, dmaWritesPerSecond);
    }

    public Config withSeed(long s) {
      return new Config(
          memorySize, migrationFlags, dirtyPagesPerSecond, s, dataCrc, dmaWritesPerSecond);
    }

    /** Whether saving streams give each chunk a CRC32C of its data. */
    public Config withDataCrc(boolean on) {
      return new Config(
          memorySize, migrationFlags, dirtyPagesPerSecond, seed, on, dmaWritesPerSecond);
    }

    /**
     * DMA writes to guest memory per second while mapped memory is reachable ({@link
     * #DMA_PER_STEP}: one per workload step; 0: none).
     */
    public Config withDmaRate(double writesPerSecond) {
      return new Config(
          memorySize, migrationFlags, dirtyPagesPerSecond, seed, dataCrc, writesPerSecond);
    }

    /** The DMA writes per second a workload of {@code stepsPerSecond} makes. */
    double effectiveDmaRate(double stepsPerSecond) {
      return dmaWritesPerSecond == DMA_PER_STEP ? stepsPerSecond : dmaWritesPerSecond;
    }
  }

  private final Config config;
  private final Set<MigrationArcs.Arc> arcs;

  /** The memory, committed in chunks on first write; {@link #memory} is all of it. */
  final LazyMemory backing;

  final MemorySegment memory;
  final long pages;

  /** Checksums device memory as streams copy it. */
  final MemoryCrc memoryCrc;

  /**
   * Guards everything below, including the memory contents. Fair, so that the workload thread,
   * which takes it again right after releasing it between batches, queues behind an arc that waits
   * for it instead of barging ahead of it.
   */
  final ReentrantLock lock = new ReentrantLock(true);

  private final Condition wake = lock.newCondition();

  private final BitSet dirty;
  private long dirtyCount;
  private MigrationState state = RUNNING;
  MemSavingStream saving;
  MemResumingStream resuming;

  private final SplittableRandom random;
  private final SplittableRandom dmaRandom;
  private double rate;
  private long workloadSteps;

  /** The most operations (workload steps plus DMA writes) one workload lock hold performed. */
  private long maxOpsPerLockHold;

  private Thread workload;
  private boolean workloadStop;
  private boolean open;
  private boolean destroyed;

  /** Why the workload thread stopped (it ran out of memory budget); null while it is fine. */
  private String workloadFailure;

  /** The device's DMA (from the context at open; none before). */
  private volatile Dma dma = Dma.NONE;

  private long dmaWrites;

  private final Driver driver = new Driver();
  private final DmaWriteLog dmaLog = new DmaWriteLog();

  /** A memdev with {@link Config#defaults()}. */
  public MemDevice() {
    this(Config.defaults());
  }

  public MemDevice(Config config) {
    this(config, MemoryBudget.shared());
  }

  /**
   * A memdev whose memory is charged to {@code budget}. Construction costs no memory for the
   * contents whatever the size; the heap holds two bitmaps of a bit per page (dirty pages, and the
   * pages a resuming stream received), which must fit in a quarter of the largest heap.
   */
  public MemDevice(Config config, MemoryBudget budget) {
    this.config = config;
    this.arcs = MigrationArcs.required(config.migrationFlags());
    this.pages = config.memorySize() / PAGE_SIZE;
    long bitmaps = pages / 4;
    if (bitmaps > Runtime.getRuntime().maxMemory() / 4) {
      throw new IllegalArgumentException(
          "memdev of "
              + (config.memorySize() >> 20)
              + " MiB needs "
              + (bitmaps >> 20)
              + " MiB of heap for its page bitmaps, more than a quarter of the heap (-Xmx)");
    }
    this.backing = new LazyMemory(config.memorySize(), budget);
    this.memory = backing.segment();
    this.memoryCrc = new MemoryCrc(memory);
    this.dirty = new BitSet((int) pages);
    this.random = new SplittableRandom(config.seed());
    this.dmaRandom = random.split();
    this.rate = config.dirtyPagesPerSecond();
  }

  public Config config() {
    return config;
  }

  @Override
  public String name() {
    return NAME;
  }

  /** Starts the workload thread (idle while the rate is 0 or the device is not running). */
  @Override
  public void open(DeviceContext context) {
    lock.lock();
    try {
      checkAlive();
      open = true;
      dma = context.dma();
      if (workload != null) {
        return;
      }
      workloadStop = false;
      workload = Thread.ofPlatform().daemon().name("memdev-workload").unstarted(this::workloadLoop);
      workload.start();
    } finally {
      lock.unlock();
    }
  }

  /** Stops the workload thread. */
  @Override
  public void close() {
    lock.lock();
    try {
      open = false;
    } finally {
      lock.unlock();
    }
    stopWorkload();
  }

  /**
   * A power-on: the memory reads zero again (and goes back to the kernel and the budget), which
   * pages were dirty is forgotten and a workload that ran out of memory may run again.
   */
  @Override
  public void reset() {
    lock.lock();
    try {
      checkAlive();
      backing.releaseAll();
      clearDirty();
      workloadFailure = null;
      wake.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public MigrationDriver migration() {
    return driver;
  }

  @Override
  public DmaLogging dmaLogging() {
    return dmaLog;
  }

  /** Stops the workload and frees the memory; the device is unusable afterwards. */
  @Override
  public void destroy() {
    stopWorkload();
    lock.lock();
    try {
      if (!destroyed) {
        destroyed = true;
        if (saving != null) {
          saving.close();
        }
        if (resuming != null) {
          resuming.close();
        }
        backing.close();
      }
    } finally {
      lock.unlock();
    }
  }

  public boolean isOpen() {
    lock.lock();
    try {
      return open;
    } finally {
      lock.unlock();
    }
  }

  /** The migration state as the model last saw it (the core's state, after each arc). */
  public MigrationState state() {
    lock.lock();
    try {
      return state;
    } finally {
      lock.unlock();
    }
  }

  public long memorySize() {
    return config.memorySize();
  }

  public long pageCount() {
    return pages;
  }

  /** Pages changed since a saving session last sent them (or since the bitmap was cleared). */
  public long dirtyPageCount() {
    lock.lock();
    try {
      return dirtyCount;
    } finally {
      lock.unlock();
    }
  }

  /** Workload steps performed so far (by the thread or {@link #runWorkload}). */
  public long workloadSteps() {
    lock.lock();
    try {
      return workloadSteps;
    } finally {
      lock.unlock();
    }
  }

  /**
   * The most operations (workload steps plus DMA writes) the workload thread performed in one hold
   * of the device lock so far: what an arc may have to wait for.
   */
  public long maxOpsPerLockHold() {
    lock.lock();
    try {
      return maxOpsPerLockHold;
    } finally {
      lock.unlock();
    }
  }

  public double dirtyRate() {
    lock.lock();
    try {
      return rate;
    } finally {
      lock.unlock();
    }
  }

  /** Changes the workload rate (pages per second) while the device lives. */
  public void setDirtyRate(double pagesPerSecond) {
    if (!(pagesPerSecond >= 0) || Double.isInfinite(pagesPerSecond)) {
      throw new IllegalArgumentException("memdev dirty rate " + pagesPerSecond);
    }
    lock.lock();
    try {
      rate = pagesPerSecond;
      wake.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Performs {@code steps} workload steps now, with the workload's generator, if the device is in a
   * state where the workload runs; returns the steps performed (0 when quiesced or stopped).
   */
  public long runWorkload(long steps) {
    lock.lock();
    try {
      checkAlive();
      if (!workloadRuns(state)) {
        return 0;
      }
      for (long i = 0; i < steps; i++) {
        workloadStep();
      }
      if (config.dmaWritesPerSecond() == Config.DMA_PER_STEP) {
        dmaWriteBatch(steps);
      }
      return steps;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Copies {@code dst.byteSize()} bytes of device memory at {@code offset} into {@code dst}; memory
   * never written reads as zeros without being touched.
   */
  public void readMemory(long offset, MemorySegment dst) {
    lock.lock();
    try {
      checkAlive();
      long len = dst.byteSize();
      Objects.checkFromIndexSize(offset, len, memory.byteSize());
      long chunk = LazyMemory.CHUNK;
      for (long at = 0; at < len; ) {
        long c = (offset + at) / chunk;
        long runEnd =
            backing.isCommitted(c) ? backing.nextUncommitted(c) : backing.nextCommitted(c);
        long n = Math.min(len - at, runEnd * chunk - (offset + at));
        if (backing.isCommitted(c)) {
          MemorySegment.copy(memory, offset + at, dst, at, n);
        } else {
          dst.asSlice(at, n).fill((byte) 0);
        }
        at += n;
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Writes {@code src} into device memory at {@code offset}; the pages become dirty. Throws {@link
   * OutOfDeviceMemory}, writing nothing, when the memory to commit exceeds the budget.
   */
  public void writeMemory(long offset, MemorySegment src) {
    lock.lock();
    try {
      checkAlive();
      long len = src.byteSize();
      Objects.checkFromIndexSize(offset, len, memory.byteSize());
      backing.commit(offset, len);
      MemorySegment.copy(src, 0, memory, offset, len);
      if (len > 0) {
        for (long p = offset / PAGE_SIZE; p <= (offset + len - 1) / PAGE_SIZE; p++) {
          markDirty(p);
        }
      }
    } finally {
      lock.unlock();
    }
  }

  public byte readByte(long offset) {
    lock.lock();
    try {
      checkAlive();
      Objects.checkIndex(offset, memory.byteSize());
      return backing.isCommitted(offset / LazyMemory.CHUNK)
          ? memory.get(ValueLayout.JAVA_BYTE, offset)
          : 0;
    } finally {
      lock.unlock();
    }
  }

  public void writeByte(long offset, byte value) {
    lock.lock();
    try {
      checkAlive();
      Objects.checkIndex(offset, memory.byteSize());
      backing.commit(offset, 1);
      memory.set(ValueLayout.JAVA_BYTE, offset, value);
      markDirty(offset / PAGE_SIZE);
    } finally {
      lock.unlock();
    }
  }

  /** Fills the whole memory with a pseudo-random pattern from {@code seed}; every page is dirty. */
  public void fillRandom(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    lock.lock();
    try {
      checkAlive();
      backing.commit(0, memory.byteSize());
      for (long off = 0; off < memory.byteSize(); off += 8) {
        memory.set(ValueLayout.JAVA_LONG_UNALIGNED, off, r.nextLong());
      }
      for (long p = 0; p < pages; p++) {
        markDirty(p);
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * A fingerprint of the whole memory, in hex: the SHA-256 of the SHA-256 hashes of its 2 MiB
   * chunks in order, so equal digests mean equal contents and a chunk never written costs no
   * hashing (every all-zero chunk hashes alike, written or not).
   */
  public String digest() {
    MessageDigest outer = sha256();
    MessageDigest inner = sha256();
    lock.lock();
    try {
      checkAlive();
      long size = memory.byteSize();
      for (long c = 0; c < backing.chunkCount(); c++) {
        long off = c * LazyMemory.CHUNK;
        long n = Math.min(LazyMemory.CHUNK, size - off);
        if (backing.isCommitted(c)) {
          inner.update(memory.asSlice(off, n).asByteBuffer());
          outer.update(inner.digest());
        } else {
          outer.update(ZeroHashes.of(n));
        }
      }
    } finally {
      lock.unlock();
    }
    return HexFormat.of().formatHex(outer.digest());
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK always has SHA-256", e);
    }
  }

  /** SHA-256 of zero chunks, computed once per length (full chunks, and a short last one). */
  private static final class ZeroHashes {
    private static final byte[] FULL = hash(LazyMemory.CHUNK);

    static byte[] of(long n) {
      return n == LazyMemory.CHUNK ? FULL : hash(n);
    }

    private static byte[] hash(long n) {
      MessageDigest md = sha256();
      byte[] zeros = new byte[64 << 10];
      for (long left = n; left > 0; left -= zeros.length) {
        md.update(zeros, 0, (int) Math.min(zeros.length, left));
      }
      return md.digest();
    }
  }

  // ---- internals, under the lock ----

  private void checkAlive() {
    if (destroyed) {
      throw new IllegalStateException("memdev destroyed");
    }
  }

  static boolean workloadRuns(MigrationState s) {
    return s == RUNNING || s == PRE_COPY;
  }

  /**
   * Records a change of page {@code p}. Pages a saving session has not reached yet in its initial
   * pass are not marked: the initial pass sends their current contents anyway.
   */
  void markDirty(long p) {
    if (saving != null && p >= saving.initialNext) {
      return;
    }
    int i = (int) p;
    if (!dirty.get(i)) {
      dirty.set(i);
      dirtyCount++;
    }
  }

  void clearDirty() {
    dirty.clear();
    dirtyCount = 0;
  }

  long dirtyCountLocked() {
    return dirtyCount;
  }

  /**
   * Takes the run of dirty pages that starts at the first dirty page at or after {@code from}
   * (wrapping around to page 0), at most {@code max} pages long: clears those pages, stores the run
   * length in {@code runLength[0]} and returns the first page, or -1 when no page is dirty.
   */
  long takeDirtyRun(long from, int max, long[] runLength) {
    int first = dirty.nextSetBit((int) Math.min(from, pages));
    if (first < 0) {
      first = dirty.nextSetBit(0);
      if (first < 0) {
        return -1;
      }
    }
    int end = dirty.nextClearBit(first);
    int n = (int) Math.min(Math.min(end - first, max), pages - first);
    dirty.clear(first, first + n);
    dirtyCount -= n;
    runLength[0] = n;
    return first;
  }

  /** Why the workload thread stopped, or null (cleared by a reset). */
  public String workloadFailure() {
    lock.lock();
    try {
      return workloadFailure;
    } finally {
      lock.unlock();
    }
  }

  /**
   * The end of the run of never-written memory that page {@code p} starts (a page index: the first
   * page of the next committed chunk, or the page count), or -1 when {@code p}'s chunk is
   * committed.
   */
  long zeroRunEnd(long p) {
    long c = p / LazyMemory.CHUNK_PAGES;
    if (backing.isCommitted(c)) {
      return -1;
    }
    return Math.min(pages, backing.nextCommitted(c) * LazyMemory.CHUNK_PAGES);
  }

  /**
   * Bytes of the initial pass from page {@code p} (a multiple of {@link
   * StreamFormat#MAX_CHUNK_PAGES}) to the end, as a saving session would write them now: a ZERO
   * record per run of never-written chunks, full chunks of data elsewhere.
   */
  long initialRestLength(long p) {
    boolean crc = config.dataCrc();
    long len = 0;
    while (p < pages) {
      long zeroEnd = zeroRunEnd(p);
      if (zeroEnd >= 0) {
        len += StreamFormat.RECORD_HEADER_SIZE;
        p = zeroEnd;
      } else {
        long c = p / LazyMemory.CHUNK_PAGES;
        long end = Math.min(pages, backing.nextUncommitted(c) * LazyMemory.CHUNK_PAGES);
        long n = end - p;
        long records = (n + StreamFormat.MAX_CHUNK_PAGES - 1) / StreamFormat.MAX_CHUNK_PAGES;
        len += records * StreamFormat.chunkOverhead(crc) + n * PAGE_SIZE;
        p = end;
      }
    }
    return len;
  }

  private void workloadStep() {
    long page = random.nextLong(pages);
    long off = page * PAGE_SIZE + 8L * random.nextInt(PAGE_SIZE / 8);
    backing.commit(off, 8);
    memory.set(ValueLayout.JAVA_LONG_UNALIGNED, off, random.nextLong());
    markDirty(page);
    workloadSteps++;
  }

  /**
   * Up to {@code n} DMA writes into the writable mappings the device can reach now: one random
   * 8-byte word of one random mapped 4 KiB page each (a page chosen uniformly over all mapped
   * pages). Returns how many landed (0 when nothing is mapped).
   */
  private long dmaWriteBatch(long n) {
    List<Dma.Range> ranges = dma.writableRanges();
    long total = 0;
    for (Dma.Range r : ranges) {
      total += r.length() >>> 12;
    }
    if (total == 0) {
      return 0;
    }
    long landed = 0;
    MemorySegment word = MemorySegment.ofArray(new long[1]);
    for (long i = 0; i < n; i++) {
      long pick = dmaRandom.nextLong(total);
      long iova = 0;
      for (Dma.Range r : ranges) {
        long rp = r.length() >>> 12;
        if (pick < rp) {
          iova = r.iova() + (pick << 12) + 8L * dmaRandom.nextInt(PAGE_SIZE / 8);
          break;
        }
        pick -= rp;
      }
      word.set(ValueLayout.JAVA_LONG, 0, dmaRandom.nextLong());
      try {
        dma.write(iova, word);
        landed++;
      } catch (DmaFault f) {
        // the mapping went away under the workload: the port counted it, try the next one
      }
    }
    dmaWrites += landed;
    return landed;
  }

  /**
   * Performs up to {@code n} DMA writes now, with the DMA generator, if the device is in a state
   * where the workload runs; returns how many landed.
   */
  public long runDmaWrites(long n) {
    lock.lock();
    try {
      checkAlive();
      return workloadRuns(state) ? dmaWriteBatch(n) : 0;
    } finally {
      lock.unlock();
    }
  }

  /** DMA writes to guest memory that landed so far. */
  public long dmaWrites() {
    lock.lock();
    try {
      return dmaWrites;
    } finally {
      lock.unlock();
    }
  }

  private void workloadLoop() {
    lock.lock();
    try {
      double credit = 0;
      double dmaCredit = 0;
      long last = System.nanoTime();
      while (!workloadStop) {
        double dmaRate = config.effectiveDmaRate(rate);
        if (destroyed
            || (rate <= 0 && dmaRate <= 0)
            || !workloadRuns(state)
            || workloadFailure != null) {
          credit = 0;
          dmaCredit = 0;
          wake.await();
          last = System.nanoTime();
          continue;
        }
        long now = System.nanoTime();
        credit = Math.min(credit + rate * (now - last) / 1e9, Math.max(MAX_BATCH, rate / 10));
        dmaCredit =
            Math.min(dmaCredit + dmaRate * (now - last) / 1e9, Math.max(MAX_BATCH, dmaRate / 10));
        last = now;
        // owed steps are caught up in small batches, the lock released between them
        long steps = (long) Math.min(credit, LOCK_BATCH);
        long dmaSteps = (long) Math.min(dmaCredit, LOCK_BATCH);
        maxOpsPerLockHold = Math.max(maxOpsPerLockHold, steps + dmaSteps);
        if (dmaSteps > 0) {
          // writes to guest memory: nothing to do (and nothing owed) while nothing is mapped
          dmaWriteBatch(dmaSteps);
          dmaCredit -= dmaSteps;
        }
        try {
          for (long i = 0; i < steps; i++) {
            workloadStep();
          }
        } catch (OutOfDeviceMemory e) {
          // the device cannot go on: its next migration arc reports it (ENOMEM, ERROR state)
          workloadFailure = e.getMessage();
          continue;
        }
        credit -= steps;
        if (credit < 1 && dmaCredit < 1) {
          wake.awaitNanos(TICK_NANOS);
        } else {
          // between batches: the fair lock goes to a waiting arc (or reader) first
          lock.unlock();
          Thread.yield();
          lock.lock();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      lock.unlock();
    }
  }

  private void stopWorkload() {
    Thread t;
    lock.lock();
    try {
      t = workload;
      workload = null;
      workloadStop = true;
      wake.signalAll();
    } finally {
      lock.unlock();
    }
    if (t != null && t != Thread.currentThread()) {
      boolean interrupted = false;
      while (true) {
        try {
          t.join();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private MemSavingStream requireSaving(MigrationState from) {
    if (saving == null) {
      throw new MigrationException(Errno.EINVAL, "memdev has no saving session in " + from);
    }
    return saving;
  }

  private void endSaving() {
    if (saving != null) {
      saving.close();
    }
  }

  private void endResuming() {
    if (resuming != null) {
      resuming.close();
    }
  }

  /** The migration driver: single arcs, exactly those of the declared flags. */
  private final class Driver implements MigrationDriver {
    @Override
    public long migrationFlags() {
      return config.migrationFlags();
    }

    @Override
    public Session arc(MigrationState from, MigrationState to) {
      lock.lock();
      try {
        checkAlive();
        if (!arcs.contains(new MigrationArcs.Arc(from, to))) {
          throw new MigrationException(
              Errno.EINVAL,
              "memdev (flags 0x"
                  + Long.toHexString(config.migrationFlags())
                  + ") has no arc "
                  + from
                  + " -> "
                  + to);
        }
        if (from != state) {
          throw new MigrationException(
              Errno.EINVAL, "memdev asked for arc " + from + " -> " + to + " while in " + state);
        }
        if (workloadFailure != null) {
          throw new DeviceBrokenException(Errno.ENOMEM, "memdev workload: " + workloadFailure);
        }
        Session opened = null;
        switch (to) {
          case STOP_COPY -> {
            if (from == STOP) {
              endSaving();
              clearDirty();
              saving = new MemSavingStream(MemDevice.this, false);
              opened = saving;
            } else {
              requireSaving(from).enterStopCopy();
            }
          }
          case PRE_COPY, PRE_COPY_P2P -> {
            if (from == RUNNING || from == RUNNING_P2P) {
              endSaving();
              clearDirty();
              saving = new MemSavingStream(MemDevice.this, true);
              opened = saving;
            }
          }
          case RESUMING -> {
            endResuming();
            resuming = new MemResumingStream(MemDevice.this);
            opened = resuming;
          }
          case STOP, RUNNING, RUNNING_P2P -> {
            if (from == RESUMING) {
              if (resuming == null) {
                throw new MigrationException(Errno.EINVAL, "memdev has no resuming session");
              }
              resuming.finish();
              endResuming();
              clearDirty();
            } else if (from.inSavingGroup()) {
              endSaving();
            }
          }
          default -> throw new IllegalStateException("arc to " + to);
        }
        state = to;
        wake.signalAll();
        return opened;
      } finally {
        lock.unlock();
      }
    }

    @Override
    public long stopCopyLength() {
      lock.lock();
      try {
        checkAlive();
        return saving != null
            ? saving.remainingEstimate()
            : StreamFormat.HEADER_SIZE + initialRestLength(0) + StreamFormat.END_SIZE;
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void migrationReset() {
      lock.lock();
      try {
        checkAlive();
        endSaving();
        endResuming();
        state = RUNNING;
        wake.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  /** Whether DMA logging is on (for tests). */
  public boolean dmaLoggingActive() {
    return dmaLog.active();
  }
}
