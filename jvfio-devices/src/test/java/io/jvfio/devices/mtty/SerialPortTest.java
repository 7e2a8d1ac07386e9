package io.jvfio.devices.mtty;

import static io.jvfio.devices.mtty.SerialPort.IER;
import static io.jvfio.devices.mtty.SerialPort.IIR_FCR;
import static io.jvfio.devices.mtty.SerialPort.LCR;
import static io.jvfio.devices.mtty.SerialPort.LSR;
import static io.jvfio.devices.mtty.SerialPort.MCR;
import static io.jvfio.devices.mtty.SerialPort.MSR;
import static io.jvfio.devices.mtty.SerialPort.RX_TX;
import static io.jvfio.devices.mtty.SerialPort.SCR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The UART register model, case by case (the random scripts compare it with Linux as a whole). */
class SerialPortTest {
  @Test
  void powerOnState() {
    SerialPort p = new SerialPort();
    byte[] expected = new byte[36];
    expected[33] = 16;
    assertThat(p.record()).containsExactly(expected);
    assertThat(p.maxFifoSize()).isEqualTo(16);
    assertThat(p.interruptTriggerLevel()).isZero();
    assertThat(p.read(LSR)).isEqualTo(0x60); // THRE | TEMT
    assertThat(p.read(IIR_FCR)).isEqualTo(0xc1); // no interrupt, FIFO bits
    assertThat(p.read(MSR)).isEqualTo(0xb3);
    assertThat(p.read(IER)).isZero();
  }

  @Test
  void transmittedBytesLoopBackInOrder() {
    SerialPort p = new SerialPort();
    p.transmit("abc".getBytes());
    assertThat(p.count()).isEqualTo(3);
    assertThat(p.head()).isEqualTo(3);
    assertThat(p.read(LSR)).isEqualTo(0x01); // data ready
    assertThat(p.read(RX_TX)).isEqualTo('a');
    assertThat(p.read(RX_TX)).isEqualTo('b');
    assertThat(p.read(RX_TX)).isEqualTo('c');
    assertThat(p.tail()).isEqualTo(3);
    assertThat(p.count()).isZero();
    assertThat(p.read(RX_TX)).isZero();
    assertThat(p.tail()).isEqualTo(3);
  }

  @Test
  void aFullFifoReadsAsEmptyAndTheNextByteOverruns() {
    SerialPort p = new SerialPort();
    for (int i = 0; i < 16; i++) {
      p.write(RX_TX, i);
    }
    assertThat(p.count()).isEqualTo(16);
    assertThat(p.head()).isEqualTo(p.tail());
    assertThat(p.overrun()).isFalse();
    // head == tail: the sample sees an empty FIFO
    assertThat(p.read(LSR)).isEqualTo(0x60);
    assertThat(p.read(RX_TX)).isZero();
    assertThat(p.count()).isEqualTo(16);
    p.write(RX_TX, 0x99);
    assertThat(p.overrun()).isTrue();
    assertThat(p.read(LSR)).isEqualTo(0x62);
    assertThat(p.fifo()[0]).isZero();
    // Clearing the FIFO and storing a byte again ends the overrun.
    p.write(IIR_FCR, 0x07);
    assertThat(p.count()).isZero();
    assertThat(p.overrun()).isTrue();
    p.write(RX_TX, 0x42);
    assertThat(p.overrun()).isFalse();
  }

  @Test
  void theFifoWrapsAround() {
    SerialPort p = new SerialPort();
    for (int i = 0; i < 12; i++) {
      p.write(RX_TX, i);
      assertThat(p.read(RX_TX)).isEqualTo(i);
    }
    for (int i = 0; i < 8; i++) {
      p.write(RX_TX, 0x80 + i);
    }
    assertThat(p.head()).isEqualTo(4);
    assertThat(p.tail()).isEqualTo(12);
    assertThat(p.count()).isEqualTo(8);
    for (int i = 0; i < 8; i++) {
      assertThat(p.read(RX_TX)).isEqualTo(0x80 + i);
    }
  }

  @Test
  void theDivisorLatchIsOredInAndReadBack() {
    SerialPort p = new SerialPort();
    p.write(LCR, 0x83);
    assertThat(p.dlab()).isTrue();
    assertThat(p.divisor()).isZero();
    p.write(RX_TX, 0x0c);
    p.write(RX_TX, 0x03); // OR-ed, not replaced
    p.write(IER, 0x01);
    assertThat(p.divisor()).isEqualTo(0x010f);
    assertThat(p.read(RX_TX)).isEqualTo(0x0f);
    assertThat(p.read(IER)).isEqualTo(0x01);
    assertThat(p.register(IER)).isZero();
    assertThat(p.count()).isZero();
    p.write(LCR, 0x03);
    assertThat(p.dlab()).isFalse();
    assertThat(p.divisor()).isEqualTo(0x010f);
    assertThat(p.read(LCR)).isEqualTo(0x03);
    // Setting DLAB again starts the divisor from zero.
    p.write(LCR, 0x80);
    assertThat(p.divisor()).isZero();
  }

  @Test
  void fifoControlSetsSizeAndAlwaysTriggerLevelOne() {
    SerialPort p = new SerialPort();
    p.write(IIR_FCR, 0xc1); // enable, "14 bytes" trigger
    assertThat(p.fcr()).isEqualTo(0xc1);
    assertThat(p.maxFifoSize()).isEqualTo(16);
    assertThat(p.interruptTriggerLevel()).isEqualTo(1);
    p.transmit(new byte[] {1, 2, 3});
    p.write(IIR_FCR, 0x40); // FIFO off, no clear
    assertThat(p.maxFifoSize()).isEqualTo(1);
    assertThat(p.count()).isEqualTo(3);
    p.write(RX_TX, 4);
    assertThat(p.overrun()).isTrue();
    p.write(IIR_FCR, 0x02); // clear receive FIFO
    assertThat(p.count()).isZero();
    assertThat(p.head()).isZero();
    assertThat(p.tail()).isZero();
    p.write(RX_TX, 5);
    p.write(RX_TX, 6);
    assertThat(p.count()).isEqualTo(1);
    assertThat(p.overrun()).isTrue();
  }

  @Test
  void interruptIdentificationAndRequests() {
    SerialPort p = new SerialPort();
    p.write(IIR_FCR, 0x01);
    p.write(IER, 0x0f);
    assertThat(p.read(IER)).isEqualTo(0x0f);
    assertThat(p.interruptRequests()).isEqualTo(1); // THRI with an empty FIFO
    assertThat(p.read(IIR_FCR)).isEqualTo(0xc2);
    p.write(RX_TX, 'x'); // reaches the trigger level 1
    assertThat(p.interruptRequests()).isEqualTo(2);
    assertThat(p.read(IIR_FCR)).isEqualTo(0xc4);
    p.write(MCR, 0x0b); // OUT2, and RTS|DTR, with modem status interrupts on: two requests
    assertThat(p.interruptRequests()).isEqualTo(4);
    assertThat(p.read(RX_TX)).isEqualTo('x'); // empties the FIFO with THRI on
    assertThat(p.interruptRequests()).isEqualTo(5);
    p.write(IIR_FCR, 0x00);
    p.write(RX_TX, 1);
    p.write(RX_TX, 2); // overrun with RLSI on
    assertThat(p.interruptRequests()).isEqualTo(7);
    assertThat(p.read(IIR_FCR)).isEqualTo(0xc6);
    p.write(IER, 0xf0);
    assertThat(p.read(IER)).isZero();
    assertThat(p.read(IIR_FCR)).isEqualTo(0xc1);
  }

  @Test
  void modemStatusAndScratch() {
    SerialPort p = new SerialPort();
    p.write(MCR, 0x20); // auto flow control: CTS only while the FIFO has room
    assertThat(p.read(MSR)).isEqualTo(0xb3);
    for (int i = 0; i < 16; i++) {
      p.write(RX_TX, i);
    }
    assertThat(p.read(MSR)).isEqualTo(0xa2);
    p.write(SCR, 0xa5);
    assertThat(p.read(SCR)).isEqualTo(0xa5);
    p.write(LSR, 0xff);
    p.write(MSR, 0xff);
    assertThat(p.register(LSR)).isZero();
    assertThat(p.register(MSR)).isZero();
    p.write(8, 1);
    assertThat(p.read(8)).isZero();
  }

  @Test
  void recordsRoundTripEveryByteAndDefineEquality() {
    Random rnd = new Random(3);
    for (int i = 0; i < 100; i++) {
      byte[] rec = MttyTestData.randomRecord(rnd);
      SerialPort p = SerialPort.fromRecord(rec);
      assertThat(p.record()).containsExactly(rec);
      byte[] image = new byte[100];
      p.save(image, 50 - 36 / 2);
      assertThat(Arrays.copyOfRange(image, 32, 68)).containsExactly(rec);
      SerialPort copy = p.copy();
      assertThat(copy).isEqualTo(p).hasSameHashCodeAs(p);
      copy.write(SCR, ~copy.register(SCR));
      assertThat(copy).isNotEqualTo(p);
    }
    byte[] odd = new byte[36];
    odd[27] = 2; // a C bool holding 2 is still true, and is kept as 2
    SerialPort p = SerialPort.fromRecord(odd);
    assertThat(p.dlab()).isTrue();
    assertThat(p.record()[27]).isEqualTo((byte) 2);
    assertThatThrownBy(() -> SerialPort.fromRecord(new byte[35]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void recordsWithFifoBookkeepingTheUartCannotRunAreRefused() {
    Random rnd = new Random(11);
    int refused = 0;
    for (int i = 0; i < 2000; i++) {
      byte[] rec = new byte[36];
      rnd.nextBytes(rec);
      int head = rec[24] & 0xff;
      int tail = rec[25] & 0xff;
      int count = rec[26] & 0xff;
      int max = rec[33] & 0xff;
      if (rnd.nextBoolean()) { // half of them with indices inside the FIFO
        head &= 15;
        tail &= 15;
        count = rnd.nextBoolean() ? (head - tail) & 15 : count % 18;
        max %= 18;
        rec[24] = (byte) head;
        rec[25] = (byte) tail;
        rec[26] = (byte) count;
        rec[33] = (byte) max;
      }
      boolean runnable =
          head < 16
              && tail < 16
              && (count == (((head - tail) & 15)) || (count == 16 && head == tail))
              && max <= 16;
      SerialPort p = new SerialPort();
      byte[] fresh = p.record();
      if (runnable) {
        p.load(rec, 0);
        assertThat(p.record()).containsExactly(rec);
        // a whole FIFO of traffic runs inside the FIFO
        for (int b = 0; b < 40; b++) {
          p.write(RX_TX, b);
          p.read(RX_TX);
          p.read(LSR);
        }
        assertThat(SerialPort.refusal(p.record(), 0)).isNull();
      } else {
        refused++;
        assertThat(SerialPort.refusal(rec, 0)).isNotNull();
        assertThatThrownBy(() -> p.load(rec, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(p.record()).containsExactly(fresh);
      }
    }
    assertThat(refused).isBetween(1000, 1900);
  }

  @Test
  void setRegisterStoresWithoutSideEffects() {
    SerialPort p = new SerialPort();
    p.setRegister(LCR, 0x80);
    p.setRegister(IER, 0x02);
    assertThat(p.dlab()).isFalse();
    assertThat(p.interruptRequests()).isZero();
    assertThat(p.register(LCR)).isEqualTo(0x80);
    assertThat(p.read(IER)).isEqualTo(0x02);
    assertThatThrownBy(() -> p.setRegister(8, 0)).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void theDeviceReachesPortsThroughTheirRegisters() {
    MttyDevice d = new MttyDevice(2);
    d.writeRegister(1, RX_TX, 'q');
    assertThat(d.port(0).count()).isZero();
    assertThat(d.port(1).count()).isEqualTo(1);
    assertThat(d.readRegister(1, RX_TX)).isEqualTo('q');
    assertThat(d.portStates().get(1)).isEqualTo(d.port(1)).isNotSameAs(d.port(1));
  }
}
