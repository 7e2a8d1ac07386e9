package io.jvfio.cli.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The one writer of the command line's JSON: every {@code --json} prints one object of this
 * package's records on one line. The {@code result} of each is {@link #OK}, {@link #FAILED} or
 * {@link #USAGE}. Numbers never take exponent form: a double is written as a plain decimal (NaN and
 * the infinities as null), so {@code 2.0E8} reads {@code 200000000}.
 */
public final class CliJson {
  /** The command did what was asked. Exit code 0. */
  public static final String OK = "ok";

  /** It ran and did not succeed; the object has {@code error} and maybe {@code errno}. Exit 1. */
  public static final String FAILED = "failed";

  /** The command line was wrong; the object has {@code error}. Exit 2. */
  public static final String USAGE = "usage";

  private static final JsonMapper MAPPER =
      JsonMapper.builder()
          .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
          .addModule(
              new SimpleModule("plain-doubles")
                  .addSerializer(Double.class, new PlainDouble())
                  .addSerializer(double.class, new PlainDouble()))
          .build();

  private CliJson() {}

  /** {@code value} as one line of JSON (no line break at the end). */
  public static String line(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      // the records here hold strings, numbers, booleans and lists of them: this is a bug
      throw new IllegalStateException("cannot write " + value.getClass().getName() + " as JSON", e);
    }
  }

  /** {@code x} rounded to {@code decimals} places, trailing zeros dropped; null when not finite. */
  public static BigDecimal round(double x, int decimals) {
    if (!Double.isFinite(x)) {
      return null;
    }
    BigDecimal d = BigDecimal.valueOf(x).setScale(decimals, RoundingMode.HALF_UP);
    return d.signum() == 0 ? BigDecimal.ZERO : d.stripTrailingZeros();
  }

  private static final class PlainDouble extends StdSerializer<Double> {
    PlainDouble() {
      super(Double.class);
    }

    @Override
    public void serialize(Double value, JsonGenerator gen, SerializerProvider provider)
        throws IOException {
      if (value == null || !Double.isFinite(value)) {
        gen.writeNull();
      } else {
        gen.writeNumber(BigDecimal.valueOf(value).stripTrailingZeros());
      }
    }
  }
}
