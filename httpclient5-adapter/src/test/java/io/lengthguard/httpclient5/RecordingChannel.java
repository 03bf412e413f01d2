package io.lengthguard.httpclient5;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.nio.DataStreamChannel;

/** A channel that takes at most {@code maxPerWrite} bytes per write and records what it took. */
final class RecordingChannel implements DataStreamChannel {
  private final int maxPerWrite;
  private final ByteArrayOutputStream taken = new ByteArrayOutputStream();
  int ends;
  int outputRequests;
  final java.util.List<Integer> writes = new java.util.ArrayList<>();
  int directWrites;

  RecordingChannel(int maxPerWrite) {
    this.maxPerWrite = maxPerWrite;
  }

  @Override
  public void requestOutput() {
    outputRequests++;
  }

  @Override
  public int write(ByteBuffer src) {
    int n = Math.min(src.remaining(), maxPerWrite);
    writes.add(src.remaining());
    if (src.isDirect()) directWrites++;
    for (int i = 0; i < n; i++) taken.write(src.get());
    return n;
  }

  @Override
  public void endStream() {
    ends++;
  }

  @Override
  public void endStream(List<? extends Header> trailers) {
    ends++;
  }

  byte[] bytes() {
    return taken.toByteArray();
  }
}
