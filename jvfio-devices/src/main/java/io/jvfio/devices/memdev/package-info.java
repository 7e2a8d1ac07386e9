/**
 * {@code memdev}: a migratable device with N bytes of internal memory, page-granular dirty
 * tracking, a workload that dirties pages while the device runs, and DMA dirty logging.
 *
 * <h2>Saving stream format, version 1</h2>
 *
 * <p>All integers are little-endian. Every checksum is CRC32C ({@link java.util.zip.CRC32C}). The
 * stream is a header followed by records; each record starts with a 24-byte record header. The
 * stream header, every record header and the end marker always carry a checksum; chunk data carries
 * one only when the header's flags say so (see {@code NO_DATA_CRC}).
 *
 * <pre>
 * Stream header (32 bytes)
 *   0  u32  magic         "JVMD" (bytes 4A 56 4D 44)
 *   4  u16  version       1
 *   6  u16  header size   32
 *   8  u32  page size     4096
 *  12  u32  flags         bit 0 NO_DATA_CRC: chunks carry no data checksum; other bits must be 0
 *  16  u64  memory size   bytes, a multiple of the page size
 *  24  u32  reserved      0
 *  28  u32  CRC32C of bytes 0..27
 *
 * Record header (24 bytes)
 *   0  u32  tag           "CHNK" (a chunk), "ZERO" (zero pages) or "END!" (the end marker)
 *   4  u32  count         CHNK, ZERO: number of pages (at least 1); END!: 0
 *   8  u64  value         CHNK, ZERO: first page index; END!: number of CHNK and ZERO records
 *  16  u32  reserved      0
 *  20  u32  CRC32C of bytes 0..19
 *
 * CHNK record = record header, count * 4096 bytes of memory (pages first .. first+count-1),
 *               then, unless NO_DATA_CRC, u32 CRC32C of those data bytes
 *               (overhead per chunk: 28 bytes, or 24 with NO_DATA_CRC)
 * ZERO record = record header only: pages first .. first+count-1 are all zero (24 bytes)
 * END! record = record header only                        (24 bytes)
 * </pre>
 *
 * <p><b>Data checksums.</b> A saving session writes NO_DATA_CRC unless its device was configured
 * with {@link io.jvfio.devices.memdev.MemDevice.Config#dataCrc()}. Without data checksums the data
 * path reads device memory exactly once and leaves payload integrity to the transport (jvfio's wire
 * format checksums every payload, so a live migration computes one CRC32C per byte per side); a
 * byte changed before the transport checksums it, or after it verifies it, goes unnoticed, as it
 * would with a real device. With data checksums each chunk's data is checked end to end, device to
 * device. Lengths and estimates ({@code StreamFormat.initialLength}, {@code dirtyEstimate}, {@code
 * stop_copy_length}) count the form the session writes.
 *
 * <p>A saving session writes the header, then the <em>initial image</em>: every page in order, in
 * chunks of at most {@value io.jvfio.devices.memdev.StreamFormat#MAX_CHUNK_PAGES} pages, except
 * that each run of memory never written since the last power-on (whole 2 MiB chunks, see {@code
 * LazyMemory}) goes as one ZERO record, however long; a fully written device's stream has none.
 * After that it writes <em>dirty chunks</em>: runs of contiguous pages that changed after they were
 * last sent (a page may therefore appear several times; the last copy wins). A PRE_COPY session
 * stops at a temporary end (read throws ENOMSG) whenever nothing is pending; once the device is in
 * STOP_COPY the session sends what is left (rest of the initial image, then every dirty page) and
 * the {@code END!} marker, after which read returns 0. A STOP to STOP_COPY session is simply
 * header, initial image and {@code END!}.
 *
 * <p>The resuming side parses the stream incrementally from any segmentation and writes chunk data
 * straight into the device memory; it accepts both forms, whatever its own configuration. A ZERO
 * record zeroes its pages, giving whole chunks back; a CHNK record whose memory would exceed the
 * device memory budget is ENOMEM (see {@code MemoryBudget}). A receiver that predates ZERO records
 * refuses them as an unknown tag. It refuses, with EINVAL, a bad magic, version, page size, header
 * or record checksum, a flag bit it does not know, a data checksum mismatch (in the checksummed
 * form), an unknown tag, a zero-page CHNK or ZERO record, or an end marker whose chunk count
 * differs from the chunks received or that arrives before every page was received at least once; a
 * header announcing more memory than the device has, or a chunk beyond the device memory, is
 * ENOMEM. Any such error breaks the stream: later writes are ENODEV (as in mlx5) and RESUMING to
 * STOP is EINVAL until a reset. Bytes after the end marker are ENOMEM and consume nothing (the
 * stream stays good). RESUMING to STOP succeeds only after a complete, verified stream; a short
 * stream is EINVAL there and the session stays open, so the rest can still be written and the arc
 * retried.
 */
package io.jvfio.devices.memdev;
