package io.lengthguard.jdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.lengthguard.GuardPolicy;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every public method of the running JDK's {@code HttpClient} reaches the wrapped client. The list
 * comes from {@code HttpClient} itself, so a method a later JDK adds fails here until it is
 * delegated.
 */
class DelegationTest {

  @Test
  void everyPublicMethodOfHttpClientIsOverridden() {
    for (Method method : httpClientMethods()) {
      assertThat(declaringClassInWrapper(method))
          .as("%s is overridden by LengthGuardHttpClient", signature(method))
          .isEqualTo(LengthGuardHttpClient.class);
    }
  }

  @Test
  void everyPublicMethodOfHttpClientReachesTheDelegate() throws Exception {
    RecordingClient delegate = new RecordingClient(HttpClient.newHttpClient());
    LengthGuardHttpClient client = LengthGuardHttpClient.wrap(delegate, GuardPolicy.defaults());
    List<String> expected = new ArrayList<>();

    for (Method method : httpClientMethods()) {
      try {
        method.invoke(client, arguments(method));
      } catch (InvocationTargetException e) {
        // send fails once the delegate passed the call on: nothing listens on port 9.
        assertThat(e.getCause()).as("%s", signature(method)).isInstanceOf(IOException.class);
      }
      expected.add(signature(method));
    }

    assertThat(delegate.calls()).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void theLifecycleMethodsOfJava21AreDeclaredWithTheirSignatures() throws Exception {
    // Compiled for Java 17, the class still overrides them where the running JDK has them.
    assertThat(LengthGuardHttpClient.class.getMethod("close").getReturnType())
        .isEqualTo(void.class);
    assertThat(LengthGuardHttpClient.class.getMethod("shutdown").getReturnType())
        .isEqualTo(void.class);
    assertThat(LengthGuardHttpClient.class.getMethod("shutdownNow").getReturnType())
        .isEqualTo(void.class);
    assertThat(LengthGuardHttpClient.class.getMethod("isTerminated").getReturnType())
        .isEqualTo(boolean.class);
    Method await = LengthGuardHttpClient.class.getMethod("awaitTermination", Duration.class);
    assertThat(await.getReturnType()).isEqualTo(boolean.class);
    assertThat(await.getExceptionTypes()).containsExactly(InterruptedException.class);
  }

  @Test
  void theLifecycleMethodsReachTheDelegateWhereTheJdkHasThem() throws Exception {
    RecordingClient delegate = new RecordingClient(HttpClient.newHttpClient());
    LengthGuardHttpClient client = LengthGuardHttpClient.wrap(delegate);

    client.shutdown();
    client.shutdownNow();
    boolean terminatedInTime = client.awaitTermination(Duration.ofSeconds(1));
    boolean terminated = client.isTerminated();
    client.close();

    if (Runtime.version().feature() >= 21) {
      assertThat(delegate.calls())
          .containsExactly(
              "shutdown()",
              "shutdownNow()",
              "awaitTermination(Duration)",
              "isTerminated()",
              "close()");
      assertThat(terminated).isTrue(); // what the recording delegate answers
    } else {
      // Java 17's HttpClient has none of them: HttpClient's defaults of Java 21, and no call.
      assertThat(delegate.calls()).isEmpty();
      assertThat(terminated).isFalse();
    }
    assertThat(terminatedInTime).isTrue();
  }

  /** The non-static public methods HttpClient declares, on the running JDK. */
  private static List<Method> httpClientMethods() {
    return Arrays.stream(HttpClient.class.getMethods())
        .filter(m -> m.getDeclaringClass() == HttpClient.class)
        .filter(m -> !Modifier.isStatic(m.getModifiers()))
        .collect(Collectors.toList());
  }

  private static Class<?> declaringClassInWrapper(Method method) {
    try {
      return LengthGuardHttpClient.class
          .getMethod(method.getName(), method.getParameterTypes())
          .getDeclaringClass();
    } catch (NoSuchMethodException e) {
      throw new AssertionError(e);
    }
  }

  /** Arguments for a call: a request without a body (it goes on as it is), or a placeholder. */
  private static Object[] arguments(Method method) {
    Class<?>[] types = method.getParameterTypes();
    Object[] args = new Object[types.length];
    for (int i = 0; i < types.length; i++) {
      Class<?> type = types[i];
      if (type == HttpRequest.class) {
        // Nothing listens on port 9: the delegate records the call, and the send fails there.
        args[i] = HttpRequest.newBuilder(URI.create("http://127.0.0.1:9/")).build();
      } else if (type == HttpResponse.BodyHandler.class) {
        args[i] = HttpResponse.BodyHandlers.discarding();
      } else if (type == HttpResponse.PushPromiseHandler.class) {
        args[i] = (HttpResponse.PushPromiseHandler<Void>) (initiating, push, acceptor) -> {};
      } else if (type == Duration.class) {
        args[i] = Duration.ofMillis(1);
      } else {
        throw new AssertionError("no argument for " + type + " in " + signature(method));
      }
    }
    return args;
  }

  private static String signature(Method method) {
    return method.getName()
        + Arrays.stream(method.getParameterTypes())
            .map(Class::getSimpleName)
            .collect(Collectors.joining(",", "(", ")"));
  }
}
