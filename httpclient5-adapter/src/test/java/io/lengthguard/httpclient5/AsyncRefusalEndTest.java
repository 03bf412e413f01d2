package io.lengthguard.httpclient5;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import io.lengthguard.GuardPolicy;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.client5.http.async.AsyncExecCallback;
import org.apache.hc.client5.http.async.AsyncExecChain;
import org.apache.hc.client5.http.async.AsyncExecRuntime;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.concurrent.ComplexCancellable;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.HttpVersion;
import org.apache.hc.core5.http.impl.BasicEntityDetails;
import org.apache.hc.core5.http.message.BasicHttpResponse;
import org.apache.hc.core5.http.nio.AsyncDataConsumer;
import org.apache.hc.core5.http.nio.CapacityChannel;
import org.apache.hc.core5.http.support.BasicRequestBuilder;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The order in which HttpClient reports a refusal's end. After a 4xx or 5xx on the head while the
 * body still streams, HttpClient reports the exchange's end once the request stream ended, which
 * may come before the response's body ended: the caller's end then releases its consumer, which
 * drops the rest of the body and never completes the call.
 */
class AsyncRefusalEndTest {
  @Test
  void aRefusalWhoseRequestEndsFirstEndsTheCallAfterItsBody() throws Exception {
    LengthGuardAsyncExecHandler handler =
        LengthGuardAsyncExecHandler.create(GuardPolicy.defaults());
    byte[] payload = Body.ONE_SHOT.payload(2 * 1024 * 1024);
    List<String> events = new CopyOnWriteArrayList<>();
    CountDownLatch callerEnded = new CountDownLatch(1);
    AtomicInteger sends = new AtomicInteger();
    // HttpClient's side: 421 on the head, the exchange's end as the request stream ends, then the
    // response's body and its end, then the end again. A wrong order ends the call at once; the
    // body waits a bounded while for it.
    AsyncExecChain chain =
        (request, producer, scope, callback) -> {
          sends.incrementAndGet();
          HttpResponse response = new BasicHttpResponse(421);
          response.setVersion(HttpVersion.HTTP_2);
          AsyncDataConsumer consumer =
              callback.handleResponse(response, new BasicEntityDetails(-1, ContentType.TEXT_PLAIN));
          callback.completed();
          Thread rest =
              new Thread(
                  () -> {
                    try {
                      callerEnded.await(500, TimeUnit.MILLISECONDS);
                      consumer.consume(ByteBuffer.wrap("misdirected".getBytes(US_ASCII)));
                      consumer.streamEnd(null);
                      callback.completed();
                    } catch (Exception e) {
                      callback.failed(e);
                    }
                  });
          rest.start();
        };
    HttpRequest request = BasicRequestBuilder.post("http://127.0.0.1:8080/upload").build();
    AsyncExecChain.Scope scope =
        new AsyncExecChain.Scope(
            "ex-1",
            new HttpRoute(new HttpHost("http", "127.0.0.1", 8080)),
            request,
            new ComplexCancellable(),
            HttpClientContext.create(),
            unusedRuntime(),
            null,
            new AtomicInteger(1));

    handler.execute(
        request, Body.ONE_SHOT.producer(payload), scope, chain, recorder(events, callerEnded));

    assertThat(callerEnded.await(10, TimeUnit.SECONDS)).as("the call ended").isTrue();
    assertThat(events).containsExactly("head 421", "body 11", "end of body", "completed");
    assertThat(sends).hasValue(1);
  }

  private static AsyncExecCallback recorder(List<String> events, CountDownLatch ended) {
    return new AsyncExecCallback() {
      @Override
      public AsyncDataConsumer handleResponse(HttpResponse response, @Nullable EntityDetails d) {
        events.add("head " + response.getCode());
        return new AsyncDataConsumer() {
          @Override
          public void updateCapacity(CapacityChannel capacityChannel) {}

          @Override
          public void consume(ByteBuffer src) {
            events.add("body " + src.remaining());
            src.position(src.limit());
          }

          @Override
          public void streamEnd(@Nullable List<? extends Header> trailers) {
            events.add("end of body");
          }

          @Override
          public void releaseResources() {}
        };
      }

      @Override
      public void handleInformationResponse(HttpResponse response) {}

      @Override
      public void completed() {
        events.add("completed");
        ended.countDown();
      }

      @Override
      public void failed(Exception cause) {
        events.add("failed " + cause);
        ended.countDown();
      }
    };
  }

  /** A runtime the path under test never touches: a 421 on HTTP/2 keeps its connection. */
  private static AsyncExecRuntime unusedRuntime() {
    return (AsyncExecRuntime)
        Proxy.newProxyInstance(
            AsyncRefusalEndTest.class.getClassLoader(),
            new Class<?>[] {AsyncExecRuntime.class},
            (proxy, method, args) -> {
              throw new UnsupportedOperationException(method.getName());
            });
  }
}
