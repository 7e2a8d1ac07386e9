package io.jvfio.migration.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The one ObjectMapper of every {@code --json} output (the reports' and the commands'), and their
 * number rules: plain integers or plain decimals (never exponent notation), milliseconds with at
 * most three decimals, rates as whole numbers. Output is one line of printable ASCII: every other
 * character (DEL too) is written as a JSON unicode escape, so the line survives any console
 * encoding and U+2028 cannot break it for JavaScript readers. Absent values (null) are left out
 * unless a field says otherwise.
 */
public final class Json {
  private static final ObjectMapper MAPPER =
      JsonMapper.builder(
              new JsonFactoryBuilder()
                  .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
                  .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
                  .characterEscapes(new PrintableAscii())
                  .build())
          .defaultPropertyInclusion(
              JsonInclude.Value.construct(
                  JsonInclude.Include.NON_NULL, JsonInclude.Include.NON_NULL))
          .addModule(
              new SimpleModule("plain-doubles")
                  .addSerializer(Double.class, new PlainDouble())
                  .addSerializer(double.class, new PlainDouble()))
          .build();

  /** A double as a plain decimal (2.0E8 reads 200000000); NaN and the infinities as null. */
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

  /** JSON's own escapes, and DEL (0x7f), which JSON allows raw but a terminal does not show. */
  private static final class PrintableAscii extends CharacterEscapes {
    private final int[] ascii = standardAsciiEscapesForJSON();

    PrintableAscii() {
      ascii[0x7f] = ESCAPE_STANDARD;
    }

    @Override
    public int[] getEscapeCodesForAscii() {
      return ascii;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
      return null; // the standard unicode escape for everything else that is escaped
    }
  }

  private Json() {}

  /** {@code value} (a record, list, map, string or number) as one compact line of JSON. */
  public static String compact(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      // records of strings, numbers and lists always serialize: this is a bug, not bad input
      throw new IllegalStateException("cannot write " + value.getClass() + " as JSON", e);
    }
  }

  /** Milliseconds rounded to at most three decimals, trailing zeros dropped; null when unknown. */
  public static BigDecimal millis(double ms) {
    if (!Double.isFinite(ms)) {
      return null;
    }
    BigDecimal d = BigDecimal.valueOf(ms).setScale(3, RoundingMode.HALF_UP).stripTrailingZeros();
    return d.scale() < 0 ? d.setScale(0) : d;
  }

  /** A rate (bytes per second) rounded to a whole number; null when unknown. */
  public static Long whole(double v) {
    return Double.isFinite(v) ? Math.round(v) : null;
  }
}
