package io.jvfio.host.migration;

import static io.jvfio.uapi.vfio.MigrationState.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.host.Host;
import io.jvfio.host.HostProcess;
import io.jvfio.host.testkit.Migrations;
import io.jvfio.uapi.Errno;
import io.jvfio.uapi.PollBits;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** The VFS order for positioned calls on stream files: EINVAL offset, EBADF, ESPIPE, then mode. */
class StreamSyscallsTest {
  private final MemorySegment buf = MemorySegment.ofArray(new byte[8]);

  @Test
  void preadAndPwriteAreEspipeOnBothDirectionsOfADataFd() {
    TestMigrationModel m = new TestMigrationModel(0x7, 32);
    Host host = Migrations.host(m, new TestMigrationModel(0x7, 32));
    HostProcess p = host.process("vmm");
    int src = Migrations.open(p, host, 0);
    int dst = Migrations.open(p, host, 1);
    int saving = Migrations.set(p, src, STOP_COPY);
    int resuming = Migrations.set(p, dst, RESUMING);
    assertThat(p.pwrite(saving, buf, 0)).isEqualTo(Errno.ESPIPE.negative());
    assertThat(p.pread(resuming, buf, 0)).isEqualTo(Errno.ESPIPE.negative());
    assertThat(p.pread(saving, buf, 0)).isEqualTo(Errno.ESPIPE.negative());
    assertThat(p.pread(saving, buf, -1)).isEqualTo(Errno.EINVAL.negative());
    assertThat(p.pread(999, buf, -1)).isEqualTo(Errno.EINVAL.negative());
    assertThat(p.pread(999, buf, 0)).isEqualTo(Errno.EBADF.negative());
    assertThat(p.lseek(saving, 0, PollBits.SEEK_SET)).isEqualTo(Errno.ESPIPE.negative());
    assertThat(p.lseek(saving, 0, 5)).isEqualTo(Errno.EINVAL.negative());
    assertThat(p.lseek(999, 0, 5)).isEqualTo(Errno.EBADF.negative());
  }

  @Test
  void devNullIsPositioned() {
    HostProcess p = Migrations.host(new TestMigrationModel(0x1, 8)).process("vmm");
    assertThat(p.pread(0, buf, 10)).isZero();
    assertThat(p.pwrite(1, buf, 10)).isEqualTo(8);
    assertThat(p.lseek(0, 0, PollBits.SEEK_END)).isZero();
  }
}
