package io.lengthguard.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.FramingViolationException;
import io.lengthguard.GuardMode;
import io.lengthguard.GuardPolicy;
import io.lengthguard.testing.Payloads;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.entity.GzipCompressingEntity;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.message.BasicClassicHttpResponse;
import org.junit.jupiter.api.Test;

class ClassicGuardTest {
  private static final HttpHost TARGET = new HttpHost("http", "example.com", -1);

  private final List<ClassicHttpRequest> sent = new ArrayList<>();
  private final List<byte[]> bodies = new ArrayList<>();

  @Test
  void resendsACopyAndNeverChangesTheCallersRequest() throws Exception {
    ClassicGuard guard = new ClassicGuard(policy());
    byte[] payload = Payloads.bytes(5000);
    HttpEntity entity =
        new GzipCompressingEntity(new ByteArrayEntity(payload, ContentType.TEXT_PLAIN));
    HttpPost caller = new HttpPost("http://example.com/upload");
    caller.setEntity(entity);
    caller.addHeader("X-Caller", "kept");

    ClassicHttpResponse response = guard.execute(TARGET, caller, answers(411, 200));

    assertThat(response.getCode()).isEqualTo(200);
    assertThat(sent).hasSize(2).doesNotContain(caller);
    assertThat(caller.getEntity()).isSameAs(entity);
    assertThat(Arrays.stream(caller.getHeaders()).map(Object::toString))
        .containsExactly("X-Caller: kept");
    ClassicHttpRequest resend = sent.get(1);
    assertThat(resend.getFirstHeader("X-Caller").getValue()).isEqualTo("kept");
    assertThat(resend.getEntity()).isInstanceOf(FrozenEntity.class);
    assertThat(resend.getEntity().getContentEncoding()).isEqualTo("gzip");
    assertThat(resend.getEntity().getContentType()).isEqualTo("text/plain; charset=UTF-8");
    assertThat(resend.getEntity().getContentLength()).isEqualTo(bodies.get(1).length);
    assertThat(bodies.get(1)).isEqualTo(bodies.get(0));
    assertThat(Body.gunzip(bodies.get(1))).isEqualTo(payload);
  }

  @Test
  void sendsAtMostTwiceWhateverTheOriginAnswers() throws Exception {
    ClassicGuard guard = new ClassicGuard(policy());
    HttpPost caller = new HttpPost("http://example.com/upload");
    caller.setEntity(Body.ONE_SHOT.entity(Payloads.bytes(100)));

    ClassicHttpResponse response = guard.execute(TARGET, caller, answers(411, 411, 411));

    assertThat(response.getCode()).isEqualTo(411);
    assertThat(sent).hasSize(2);
  }

  @Test
  void leavesRequestsWithoutAnEntityAlone() throws Exception {
    ClassicGuard guard = new ClassicGuard(policy());
    HttpPost caller = new HttpPost("http://example.com/upload");

    guard.execute(TARGET, caller, answers(411));

    assertThat(sent).containsExactly(caller);
  }

  @Test
  void malformedCallerLengthIsRefusedBeforeAOneShotBodyIsRead() {
    ClassicGuard guard = new ClassicGuard(policy());
    ByteArrayInputStream source = new ByteArrayInputStream(Payloads.bytes(100));
    HttpPost caller = new HttpPost("http://example.com/upload");
    caller.setEntity(new InputStreamEntity(source, -1, ContentType.APPLICATION_OCTET_STREAM));
    caller.addHeader("Content-Length", "1e2");

    assertThatThrownBy(() -> guard.execute(TARGET, caller, answers(200)))
        .isInstanceOf(FramingViolationException.class)
        .hasMessageStartingWith(
            "bad framing in POST /upload: ERROR INVALID_CONTENT_LENGTH: Content-Length \"1e2\"");

    assertThat(sent).isEmpty();
    assertThat(source.available()).as("bytes left in the caller's stream").isEqualTo(100);
  }

  private static GuardPolicy policy() {
    return GuardPolicy.builder().mode(GuardMode.RETRY_ON_411).build();
  }

  /** Returns a sender that records each request and its body, answering with {@code codes}. */
  private ClassicGuard.Sender answers(int... codes) {
    return request -> {
      sent.add(request);
      if (request.getEntity() != null) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        request.getEntity().writeTo(body);
        bodies.add(body.toByteArray());
      }
      BasicClassicHttpResponse response = new BasicClassicHttpResponse(codes[sent.size() - 1]);
      response.setEntity(new StringEntity("status " + response.getCode()));
      return response;
    };
  }
}
