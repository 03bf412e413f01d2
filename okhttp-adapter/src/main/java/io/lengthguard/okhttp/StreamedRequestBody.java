package io.lengthguard.okhttp;

import io.lengthguard.OutgoingBody;
import java.io.IOException;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import okio.BufferedSink;
import org.jspecify.annotations.Nullable;

/**
 * A body of unknown length streamed by the guard's exchange on its first send: OkHttp frames it
 * chunked. A second write, for OkHttp's redirect, authentication or retry, sends the first's bytes
 * from the guard's copy; {@link #isOneShot()} is the exchange's answer to whether it may.
 */
final class StreamedRequestBody extends RequestBody {
  private final OutgoingBody body;
  private final @Nullable MediaType contentType;

  StreamedRequestBody(OutgoingBody body, @Nullable MediaType contentType) {
    this.body = body;
    this.contentType = contentType;
  }

  @Override
  public @Nullable MediaType contentType() {
    return contentType;
  }

  @Override
  public long contentLength() {
    return -1L;
  }

  @Override
  public boolean isOneShot() {
    // RetryAndFollowUpInterceptor asks after the response, when it decides on a follow-up.
    return body.isOneShot();
  }

  @Override
  public void writeTo(BufferedSink sink) throws IOException {
    // OkHttp 4.11+ reads the response after a failed body write only when the failure came from
    // its own sink (CallServerInterceptor checks Exchange.hasFailure): the exchange rethrows the
    // sink's own exception, so the 411 of a server that answered early and closed still arrives.
    body.writeTo(sink.outputStream());
    sink.flush();
  }

  @Override
  public String toString() {
    return "StreamedRequestBody{" + contentType + "}";
  }
}
