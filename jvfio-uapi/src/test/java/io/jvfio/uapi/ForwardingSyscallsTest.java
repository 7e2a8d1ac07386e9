package io.jvfio.uapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every call of {@link Syscalls} reaches the delegate with its arguments, and its answer returns.
 */
class ForwardingSyscallsTest {
  @Test
  void everyCallIsForwardedWithItsArgumentsAndItsAnswer() throws Exception {
    List<String> seen = new ArrayList<>();
    Syscalls recorder =
        (Syscalls)
            Proxy.newProxyInstance(
                Syscalls.class.getClassLoader(),
                new Class<?>[] {Syscalls.class},
                (proxy, method, args) -> {
                  seen.add(method.getName() + Arrays.toString(args));
                  // an answer that names the call, so a mixed-up forward shows
                  int answer = -(method.getName().length() + method.getParameterCount());
                  return method.getReturnType() == long.class ? (Object) (long) answer : answer;
                });
    ForwardingSyscalls forwarding = () -> recorder;
    MemorySegment seg = MemorySegment.ofArray(new byte[8]);
    int calls = 0;
    for (Method m : Syscalls.class.getMethods()) {
      Object[] args = new Object[m.getParameterCount()];
      Class<?>[] types = m.getParameterTypes();
      for (int i = 0; i < args.length; i++) {
        args[i] =
            types[i] == int.class
                ? (Object) (7 + i)
                : types[i] == long.class
                    ? (Object) (1000L + i)
                    : types[i] == String.class ? "/p" : seg;
      }
      seen.clear();
      Object got = m.invoke(forwarding, args);
      assertThat(seen).as(m.toString()).containsExactly(m.getName() + Arrays.toString(args));
      assertThat(((Number) got).longValue())
          .as(m.toString())
          .isEqualTo(-(m.getName().length() + m.getParameterCount()));
      calls++;
    }
    assertThat(calls).isEqualTo(12);
  }
}
