package io.jvfio.devices.fault;

import io.jvfio.host.sdk.DmaLogging;
import java.util.List;
import java.util.function.LongConsumer;

/** DMA logging that throws at the calls a {@link FaultyDevice} has armed, else passes through. */
record CrashingDmaLogging(DmaLogging inner, FaultyDevice device) implements DmaLogging {
  @Override
  public long start(List<Range> ranges, long pageSize) {
    device.crashIfArmed(ModelCall.LOG_START);
    return inner.start(ranges, pageSize);
  }

  @Override
  public void stop() {
    device.crashIfArmed(ModelCall.LOG_STOP);
    inner.stop();
  }

  @Override
  public void report(long iova, long length, long pageSize, LongConsumer dirty) {
    device.crashIfArmed(ModelCall.LOG_REPORT);
    inner.report(iova, length, pageSize, dirty);
  }

  @Override
  public io.jvfio.host.sdk.DmaWriteLog writeLog() {
    return inner.writeLog(); // the device's writes still feed the inner log
  }
}
