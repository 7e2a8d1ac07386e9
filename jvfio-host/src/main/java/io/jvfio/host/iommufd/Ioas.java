package io.jvfio.host.iommufd;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An I/O address space: mappings, plus the HW page tables (domains) built on it. */
public final class Ioas extends IommufdObject {
  // device threads read the list (an unmap clears dirty bits in every domain): copy on write
  final List<Hwpt> hwpts = new CopyOnWriteArrayList<>();
  // an unmap drops the IO page-table entries, and their dirty bits, in every domain
  final IoPageTable table =
      new IoPageTable(a -> hwpts.forEach(h -> h.dirty.clear(a.iova(), a.last())));

  public IoPageTable table() {
    return table;
  }

  @Override
  public String kind() {
    return "ioas";
  }
}
