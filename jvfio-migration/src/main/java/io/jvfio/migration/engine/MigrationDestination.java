package io.jvfio.migration.engine;

import static io.jvfio.uapi.vfio.MigrationState.*;

import io.jvfio.client.Migration;
import io.jvfio.client.VfioException;
import io.jvfio.migration.report.MigrationReport;
import io.jvfio.migration.transport.Channel;
import io.jvfio.migration.wire.BackWriter;
import io.jvfio.migration.wire.DeviceIdentity;
import io.jvfio.migration.wire.Marker;
import io.jvfio.migration.wire.Record;
import io.jvfio.migration.wire.WireReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The destination side: check that the incoming devices match the local ones, put every device into
 * RESUMING, write each device's stream into its data fd, then STOP (where each device validates
 * what it received), RUNNING_P2P for all, and RUNNING. Any failure resets every local device, so
 * none runs with half a state, and tells the source.
 */
public final class MigrationDestination {
  private final List<MigratingDevice> devices;
  private final Channel channel;
  private final MigrationOptions options;
  private final ProgressListener progress;
  private final Timeline timeline = new Timeline();
  private final long[] received;
  private final List<String> notes = new ArrayList<>();
  private long bytes;

  public MigrationDestination(
      List<MigratingDevice> devices,
      Channel channel,
      MigrationOptions options,
      ProgressListener progress) {
    this.devices = List.copyOf(devices);
    this.channel = channel;
    this.options = options;
    this.progress = progress;
    this.received = new long[devices.size()];
  }

  public MigrationReport run() {
    long t0 = System.nanoTime();
    String error = null;
    boolean completed = false;
    long stoppedAt = 0;
    BackWriter back = new BackWriter(channel);
    try {
      channel.setReadTimeout(options.peerTimeout());
      WireReader in = new WireReader(channel, 64L << 20);
      match(in.header());
      phase("resuming");
      for (MigratingDevice d : devices) {
        d.migration().set(RESUMING);
      }
      receive(in, back);
      stoppedAt = System.nanoTime();
      for (MigratingDevice d : devices) {
        d.migration().set(STOP);
      }
      // loaded and validated; the devices run only when the source commits, so that both ends
      // never run them
      back.result(true, "loaded, waiting for the source to commit", Map.of());
      back.flush();
      var decision = in.decision();
      if (decision.isPresent()) {
        throw new MigrationFailure(
            "the source aborted after sending everything: " + decision.get());
      }
      for (MigratingDevice d : devices) {
        if (d.migration().hasP2P()) {
          d.migration().set(RUNNING_P2P);
        }
      }
      for (MigratingDevice d : devices) {
        d.migration().set(RUNNING);
      }
      completed = true;
      try {
        back.result(true, "every device is RUNNING", Map.of());
        back.flush();
      } catch (IOException e) {
        // the source committed already; only its downtime measurement misses this
        notes.add("could not confirm RUNNING to the source: " + MigrationSource.describe(e));
      }
    } catch (IOException | RuntimeException e) {
      error = MigrationSource.describe(e);
      phase("recovering");
      recover(back, error);
    }
    long totalMs = (long) ((System.nanoTime() - t0) / 1e6);
    double loadMs = stoppedAt == 0 ? 0 : (System.nanoTime() - stoppedAt) / 1e6;
    return report(completed, error, loadMs, totalMs);
  }

  private void match(List<DeviceIdentity> incoming) {
    if (incoming.size() != devices.size()) {
      throw new MigrationFailure(
          "the source sends " + incoming.size() + " devices, this host receives " + devices.size());
    }
    for (int i = 0; i < devices.size(); i++) {
      DeviceIdentity id = incoming.get(i);
      MigratingDevice d = devices.get(i);
      Migration m = d.migration();
      if (!id.model().equals(d.model())
          || id.vendor() != d.vendor()
          || id.device() != d.deviceId()
          || id.migrationFlags() != m.flags()) {
        throw new MigrationFailure(
            String.format(
                "device %d does not match: the source sends %s %04x:%04x flags 0x%x from %s, this"
                    + " host has %s %04x:%04x flags 0x%x at %s",
                i,
                id.model(),
                id.vendor(),
                id.device(),
                id.migrationFlags(),
                id.bdf(),
                d.model(),
                d.vendor(),
                d.deviceId(),
                m.flags(),
                d.bdf()));
      }
    }
  }

  private void receive(WireReader in, BackWriter back) throws IOException {
    while (true) {
      Record r = in.next();
      switch (r) {
        case Record.Data data -> {
          devices.get(data.device()).migration().writeFully(data.payload());
          received[data.device()] += data.payload().byteSize();
          bytes += data.payload().byteSize();
          timeline.sample(bytes, 0, "resuming", false);
          progress.progress(bytes, 0, 0);
        }
        case Record.Section s when s.marker() == Marker.INIT_DATA_SENT -> {
          back.switchoverAck(s.device());
          back.flush();
        }
        case Record.Section s -> {}
        case Record.Config c ->
            throw new MigrationFailure(
                "device " + c.device() + " sent config state, which this host does not load");
        case Record.Trailer t -> {
          return;
        }
        case Record.Abort a -> throw new MigrationFailure("the source aborted: " + a.reason());
      }
    }
  }

  /** Every local device is reset (RUNNING with no partial state), and the source is told. */
  private void recover(BackWriter back, String error) {
    for (MigratingDevice d : devices) {
      try {
        d.device().reset();
        notes.add(d.bdf() + " reset");
      } catch (VfioException e) {
        notes.add(d.bdf() + " could not be reset: " + e.getMessage());
      }
    }
    try {
      back.abort(error);
      back.flush();
    } catch (IOException | RuntimeException e) {
      notes.add("could not tell the source: " + MigrationSource.describe(e));
    }
    channel.close();
  }

  private void phase(String p) {
    progress.phase(p);
    timeline.sample(bytes, 0, p, true);
  }

  private MigrationReport report(boolean completed, String error, double loadMs, long totalMs) {
    // the timeline ends with the migration, not with the digests computed for the report
    timeline.sample(bytes, 0, completed ? "done" : "failed", true);
    List<MigrationReport.DeviceReport> per = new ArrayList<>();
    for (int i = 0; i < devices.size(); i++) {
      MigratingDevice d = devices.get(i);
      String state;
      try {
        state = d.migration().state().name();
      } catch (RuntimeException e) {
        state = "unknown";
      }
      per.add(
          new MigrationReport.DeviceReport(
              d.bdf(), d.model(), completed ? d.digestOrNull() : null, 0, received[i], 0, state));
    }
    double seconds = totalMs / 1000.0;
    return new MigrationReport(
        completed ? "completed" : "failed",
        per,
        loadMs,
        totalMs,
        seconds > 0 ? bytes / seconds : 0,
        timeline.samples(),
        error,
        List.copyOf(notes));
  }
}
