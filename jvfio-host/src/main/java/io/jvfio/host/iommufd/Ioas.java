package io.jvfio.host.iommufd;

import java.util.ArrayList;
import java.util.List;

/** An I/O address space: mappings, plus the HW page tables (domains) built on it. */
public final class Ioas extends IommufdObject {
  final IoPageTable table = new IoPageTable();
  final List<Hwpt> hwpts = new ArrayList<>();

  public IoPageTable table() {
    return table;
  }

  @Override
  public String kind() {
    return "ioas";
  }
}
