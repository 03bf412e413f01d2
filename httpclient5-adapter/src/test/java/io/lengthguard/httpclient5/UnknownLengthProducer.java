package io.lengthguard.httpclient5;

import java.util.Collections;
import java.util.Set;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;

/**
 * A test producer of {@code application/octet-stream} of unknown length: read once, no trailers.
 */
abstract class UnknownLengthProducer implements AsyncEntityProducer {
  @Override
  public boolean isRepeatable() {
    return false;
  }

  @Override
  public void failed(Exception cause) {}

  @Override
  public long getContentLength() {
    return -1;
  }

  @Override
  public String getContentType() {
    return ContentType.APPLICATION_OCTET_STREAM.toString();
  }

  @Override
  public String getContentEncoding() {
    return null;
  }

  @Override
  public boolean isChunked() {
    return false;
  }

  @Override
  public Set<String> getTrailerNames() {
    return Collections.emptySet();
  }

  @Override
  public void releaseResources() {}
}
