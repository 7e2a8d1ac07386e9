package io.jvfio.uapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The strict layout check's list of newer-than-the-header items and its verdict. */
class NewerThanHeaderListTest {

  private static final NewerThanHeaderList LIST =
      NewerThanHeaderList.parse(
          "t",
          List.of(
              "# comment",
              "",
              "VFIO_PRECOPY_INFO_REINIT  d7140b5dde45  7.1 flag   # trailing comment",
              "struct vfio_region_dma_range 5d74781ebc86 6.19 struct",
              "vfio_device_bind_iommufd.token_uuid_ptr 86624ba3b522 6.17 member"));

  private static final Set<String> JVFIO =
      Set.of(
          "VFIO_PRECOPY_INFO_REINIT",
          "VFIO_DEVICE_FEATURE",
          "struct vfio_region_dma_range",
          "vfio_device_bind_iommufd.token_uuid_ptr",
          "vfio_device_bind_iommufd.flags");

  @Test
  void readsItemsCommitsAndReasons() {
    assertThat(LIST.reasons())
        .containsOnlyKeys(
            "VFIO_PRECOPY_INFO_REINIT",
            "struct vfio_region_dma_range",
            "vfio_device_bind_iommufd.token_uuid_ptr")
        .containsEntry("VFIO_PRECOPY_INFO_REINIT", "d7140b5dde45 7.1 flag");
  }

  @Test
  void exactlyTheListedItemsMissingIsClean() {
    assertThat(LIST.problems(LIST.reasons().keySet(), JVFIO)).isEmpty();
  }

  @Test
  void anUnlistedMissingItemFails() {
    Set<String> missing =
        Set.of(
            "VFIO_PRECOPY_INFO_REINIT",
            "struct vfio_region_dma_range",
            "vfio_device_bind_iommufd.token_uuid_ptr",
            "VFIO_DEVICE_FEATURE");
    assertThat(LIST.problems(missing, JVFIO))
        .containsExactly(
            "'VFIO_DEVICE_FEATURE' is missing from the header and not listed as newer than it");
  }

  @Test
  void aListedItemTheHeaderHasFailsAsStale() {
    Set<String> missing = Set.of("VFIO_PRECOPY_INFO_REINIT", "struct vfio_region_dma_range");
    assertThat(LIST.problems(missing, JVFIO))
        .containsExactly(
            "'vfio_device_bind_iommufd.token_uuid_ptr' is listed as newer but the header has it"
                + " (stale list)");
  }

  @Test
  void aListedNameJvfioDoesNotHaveFails() {
    NewerThanHeaderList typo =
        NewerThanHeaderList.parse("t", List.of("VFIO_PRECOPY_INFO_REINT d7140b5dde45 typo"));
    assertThat(typo.problems(Set.of(), JVFIO))
        .containsExactly("'VFIO_PRECOPY_INFO_REINT' is listed but jvfio has no such item");
  }

  @Test
  void malformedLinesNameTheFileAndLine() {
    assertThatThrownBy(() -> NewerThanHeaderList.parse("f.txt", List.of("X")))
        .hasMessage("f.txt:1: expected 'ITEM LINUX-COMMIT reason', got 'X'");
    assertThatThrownBy(() -> NewerThanHeaderList.parse("f.txt", List.of("", "X v6.13 why")))
        .hasMessageContaining("f.txt:2: 'v6.13' is not a Linux commit");
    assertThatThrownBy(() -> NewerThanHeaderList.parse("f.txt", List.of("X-Y abcdef123456 why")))
        .hasMessageContaining("'X-Y' is not an item name");
    assertThatThrownBy(() ->
            NewerThanHeaderList.parse("f.txt", List.of("A abcdef123456 a", "A abcdef123456 b")))
        .hasMessage("f.txt:2: 'A' is listed twice");
  }

  @Test
  void theProjectListParses() throws Exception {
    // the file scripts/lab-check passes; the surefire working directory is the module's
    NewerThanHeaderList project =
        NewerThanHeaderList.read(Path.of("../scripts/lab/newer-than-6.12.txt"));
    assertThat(project.reasons()).hasSizeGreaterThanOrEqualTo(20);
    assertThat(project.problems(project.reasons().keySet(), LayoutAgainstHeaderTest.jvfioItems()))
        .isEmpty();
  }
}
