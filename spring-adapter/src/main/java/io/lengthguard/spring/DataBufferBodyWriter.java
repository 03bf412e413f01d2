package io.lengthguard.spring;

import io.lengthguard.BodyWriter;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.LinkedBlockingQueue;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;

/**
 * A WebClient body as the exchange's {@link BodyWriter}: it subscribes to the body's buffers on the
 * exchange's thread, asks for one at a time (so at most one waits, however fast the publisher),
 * copies each to the stream and releases it. When the stream fails (the guard stopped the body, or
 * it was canceled), it cancels the subscription and releases every buffer that still arrives.
 */
final class DataBufferBodyWriter implements BodyWriter {
  private final Publisher<? extends DataBuffer> body;

  DataBufferBodyWriter(Publisher<? extends DataBuffer> body) {
    this.body = body;
  }

  @Override
  public void writeTo(OutputStream out) throws IOException {
    OneAtATime subscriber = new OneAtATime();
    body.subscribe(subscriber);
    byte[] scratch = null;
    try {
      while (true) {
        Object next = subscriber.take();
        if (next == OneAtATime.COMPLETE) return;
        if (next instanceof Throwable) throw rethrow((Throwable) next);
        DataBuffer buffer = (DataBuffer) next;
        try (DataBuffer.ByteBufferIterator buffers = buffer.readableByteBuffers()) {
          while (buffers.hasNext()) {
            ByteBuffer bytes = buffers.next();
            if (bytes.hasArray()) {
              out.write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
              continue;
            }
            if (scratch == null) scratch = new byte[8192];
            while (bytes.hasRemaining()) {
              int n = Math.min(scratch.length, bytes.remaining());
              bytes.get(scratch, 0, n);
              out.write(scratch, 0, n);
            }
          }
        } finally {
          DataBufferUtils.release(buffer);
        }
        subscriber.requestNext();
      }
    } finally {
      subscriber.cancel();
    }
  }

  private static IOException rethrow(Throwable failure) {
    if (failure instanceof IOException) return (IOException) failure;
    if (failure instanceof RuntimeException) throw (RuntimeException) failure;
    if (failure instanceof Error) throw (Error) failure;
    return new IOException(failure);
  }

  /** Hands the publisher's signals to the writing thread, one buffer at a time. */
  private static final class OneAtATime implements Subscriber<DataBuffer> {
    static final Object COMPLETE = new Object();

    private final LinkedBlockingQueue<Object> signals = new LinkedBlockingQueue<>();
    private @Nullable Subscription subscription;
    private boolean canceled;

    @Override
    public void onSubscribe(Subscription s) {
      boolean cancelNow;
      synchronized (this) {
        subscription = s;
        cancelNow = canceled;
      }
      if (cancelNow) {
        s.cancel();
      } else {
        s.request(1);
      }
    }

    @Override
    public void onNext(DataBuffer buffer) {
      synchronized (this) {
        if (!canceled) {
          signals.add(buffer);
          return;
        }
      }
      DataBufferUtils.release(buffer);
    }

    @Override
    public void onError(Throwable failure) {
      signals.add(failure);
    }

    @Override
    public void onComplete() {
      signals.add(COMPLETE);
    }

    Object take() throws InterruptedIOException {
      try {
        return signals.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for the body");
      }
    }

    void requestNext() {
      Subscription s;
      synchronized (this) {
        s = subscription;
      }
      if (s != null) s.request(1);
    }

    /** Cancels the subscription and releases whatever buffers it left behind. */
    void cancel() {
      Subscription s;
      synchronized (this) {
        if (canceled) return;
        canceled = true;
        s = subscription;
      }
      if (s != null) s.cancel();
      Object left;
      while ((left = signals.poll()) != null) {
        if (left instanceof DataBuffer) DataBufferUtils.release((DataBuffer) left);
      }
    }
  }
}
