package io.lengthguard;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Hands a body of unknown length from the thread that writes it (the caller's, running the caller's
 * body) to the thread that sends it (the client's, writing to the wire): first the bytes read
 * ahead, then the rest as they are written. At most {@value #WINDOW} bytes wait in between, so a
 * writer faster than the wire waits for it. Bytes the exchange keeps anyway, in the capture's
 * segments, are {@linkplain #lend lent} to the wire as they are; others are copied into one ring,
 * allocated once per pipe when first needed. Lent runs still queued keep their segments after the
 * capture dropped them (past the buffering limit or the budget): at most the window, as the ring.
 *
 * <p>The two threads wake each other across half the window, not for every write: a waiting writer
 * resumes once the wire has taken the queue down to half, and a waiting wire resumes once half the
 * window is queued, on {@link #flush} and at the end, or 10 ms after it began to wait, so that a
 * slow body's bytes never wait long for the rest of the half. Each side copies (the writer into the
 * ring, the wire out of a run) outside the lock, so neither waits for the other's copy. Each wake
 * is a context switch for each side: a 64 KiB window made 512 of them for 16 MiB, which on two
 * cores cost more than the copies (a 16 MiB streamed send, on HttpClient 5, went 1.9 times as fast
 * with 256 KiB).
 *
 * <p>A wire on an event loop, which must never wait, {@linkplain #openSource polls} instead: it
 * takes what is queued, straight from the capture or the ring, and is woken by the same events, or
 * within the same 10 ms of the first bytes queued while it sleeps: those schedule one linger, which
 * wakes it from a guard thread if no other event did. At most one linger is scheduled per pipe, so
 * a body that fills half the window fast pays for at most one per sleep of the wire, and nothing
 * per write.
 *
 * <p>Either side may end it: the wire when it failed or a response came ({@link #closeWire}), the
 * writer when the body ended ({@link #finish}) or failed ({@link #failBody}). After the wire
 * closed, writes no longer wait; {@link #abort} makes the next one throw.
 *
 * <p>This class is thread-safe.
 */
final class BodyPipe {
  static final int WINDOW = 256 * 1024;
  private static final int HALF = WINDOW / 2;

  /**
   * The most bytes {@link #drainTo} hands the client's stream at once: a client that copies each
   * write into pooled buffers (OkHttp's Okio pools 64 KiB) recycles them, where a run of half the
   * window made it allocate new ones (a 16 MiB send allocated 1.46x the payload, not 1.03x).
   */
  private static final int RUN = 32 * 1024;

  private static final int MASK = WINDOW - 1;

  /**
   * The most runs queued at once. Runs break only where a lent segment ends (every 32 KiB past the
   * read-ahead), where the ring wraps, or between lent and copied bytes, so a full window takes
   * about 10.
   */
  private static final int RUNS = 64;

  private static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  /**
   * Runs a polled wire's linger {@link #LINGER_NANOS} after it was scheduled, on the JDK's shared
   * delay thread: the linger only looks under the lock, and hands a wake that is due to a guard
   * thread, so that no client's wake holds up the lingers of other pipes.
   */
  private static final Executor LINGERS =
      CompletableFuture.delayedExecutor(LINGER_NANOS, TimeUnit.NANOSECONDS, Runnable::run);

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition readable = lock.newCondition();
  private final Condition writable = lock.newCondition();

  private @Nullable InputStream prefix;
  private final long prefixBytes;
  private boolean prefixDone;
  private @Nullable MemoryBudget prefixBudget;
  private long prefixReserved;

  /**
   * What waits for the wire, in order: runs of bytes, each a slice of an array. A lent run is a
   * slice of the capture's own segments, which nothing writes again (no copy); a copied run is a
   * slice of the ring. A run that continues the last one extends it.
   */
  private final byte[][] runArrays = new byte[RUNS][];

  private final int[] runOffsets = new int[RUNS];
  private final int[] runLengths = new int[RUNS];
  private int firstRun;
  private int runCount;

  private byte @Nullable [] ring;

  // Bytes queued since the pipe began, and bytes the wire took of them: the difference waits.
  private long written;
  private long read;
  // Bytes copied into the ring since the pipe began: the next copy goes at ringWritten & MASK. The
  // ring's bytes still queued are fewer than the queued bytes, so the room after it is free.
  private long ringWritten;
  private boolean writerWaitingForRun;
  private boolean writerWaiting;
  private boolean readerWaiting;
  // Set by a polling wire that found nothing queued; run once, outside the lock, when bytes are.
  private @Nullable Runnable wakeup;
  // A linger is scheduled: it wakes the polled wire if bytes still wait for it then.
  private boolean lingering;
  // Made once per pipe, so that scheduling a linger allocates only the delay's own task.
  private final Runnable linger = this::linger;
  private final Runnable scheduleLinger = () -> LINGERS.execute(linger);

  private long taken;
  private boolean opened;
  private boolean finished;
  private @Nullable Throwable bodyFailure;
  private boolean wireClosed;
  private @Nullable IOException abort;
  private volatile int status = -1;

  /**
   * Starts with {@code prefix}, the {@code prefixBytes} bytes read ahead, which the wire reads
   * before anything written later.
   */
  BodyPipe(InputStream prefix, long prefixBytes) {
    this.prefix = prefix;
    this.prefixBytes = prefixBytes;
  }

  /**
   * Makes the pipe answer for up to {@code reserved} bytes of {@code budget} that the read-ahead
   * holds in memory, once no copy of the body keeps them: the pipe gives them back when the wire
   * has taken the whole read-ahead, or closed. Returns how many it took over, which the caller no
   * longer gives back itself: none if the read-ahead already went.
   */
  long holdReadAhead(MemoryBudget budget, long reserved) {
    lock.lock();
    try {
      if (prefixDone || prefixBudget != null) return 0;
      long held = Math.min(reserved, prefixBytes);
      prefixBudget = budget;
      prefixReserved = held;
      return held;
    } finally {
      lock.unlock();
    }
  }

  // Writer side.

  /** Queues a copy of {@code bytes} for the wire; waits while the window is full. */
  void write(byte[] bytes, int offset, int length) throws IOException {
    while (length > 0) {
      byte[] buffer;
      int at;
      int n;
      lock.lock();
      try {
        if (!awaitRoom()) return;
        if (ring == null) ring = new byte[WINDOW];
        buffer = ring;
        at = (int) (ringWritten & MASK);
        n = (int) Math.min(length, Math.min(WINDOW - (written - read), WINDOW - at));
      } finally {
        lock.unlock();
      }
      // The region [at, at + n) is free and only this thread writes it until it is published.
      System.arraycopy(bytes, offset, buffer, at, n);
      Runnable wake;
      lock.lock();
      try {
        if (wireClosed) return;
        ringWritten += n;
        wake = queue(buffer, at, n);
      } finally {
        lock.unlock();
      }
      run(wake);
      offset += n;
      length -= n;
    }
  }

  /**
   * Queues {@code bytes} themselves for the wire, without a copy; waits while the window is full.
   * Nothing may write them again: they are the capture's, which only grows.
   */
  void lend(byte[] bytes, int offset, int length) throws IOException {
    while (length > 0) {
      Runnable wake;
      int n;
      lock.lock();
      try {
        if (!awaitRoom()) return;
        n = (int) Math.min(length, WINDOW - (written - read));
        wake = queue(bytes, offset, n);
      } finally {
        lock.unlock();
      }
      run(wake);
      offset += n;
      length -= n;
    }
  }

  /**
   * Waits, holding the lock, until the window and the run queue have room; returns false if the
   * wire closed, so that nothing more is queued.
   */
  private boolean awaitRoom() throws IOException {
    while (true) {
      checkAbort();
      if (wireClosed) return false;
      if (written - read >= WINDOW) {
        writerWaiting = true;
        try {
          await(writable);
        } finally {
          writerWaiting = false;
        }
      } else if (runCount == RUNS) {
        // Under half the window, but in many short runs: the wire must take some now.
        if (readerWaiting) readable.signal();
        Runnable wake = takeWakeup();
        if (wake != null) {
          lock.unlock();
          try {
            wake.run();
          } finally {
            lock.lock();
          }
          continue;
        }
        writerWaitingForRun = true;
        try {
          await(writable);
        } finally {
          writerWaitingForRun = false;
        }
      } else {
        return true;
      }
    }
  }

  /**
   * Queues {@code n} bytes of {@code array} from {@code at}, holding the lock and with room for
   * them, and returns what to run outside the lock: the polled wire's wakeup if it is due, or the
   * scheduling of a linger.
   */
  private @Nullable Runnable queue(byte[] array, int at, int n) {
    int last = (firstRun + runCount - 1) & (RUNS - 1);
    if (runCount > 0 && runArrays[last] == array && runOffsets[last] + runLengths[last] == at) {
      runLengths[last] += n;
    } else {
      int next = (firstRun + runCount) & (RUNS - 1);
      runArrays[next] = array;
      runOffsets[next] = at;
      runLengths[next] = n;
      runCount++;
    }
    written += n;
    if (written - read < HALF) {
      // The bare client would send these bytes now: a sleeping polled wire gets them within the
      // linger even if no more come, as a blocking wire does (a server's body-read idle timeout,
      // nginx's client_body_timeout, may otherwise fail a slow body the bare client sends).
      if (wakeup == null || lingering) return null;
      lingering = true;
      return scheduleLinger;
    }
    if (readerWaiting) readable.signal();
    return takeWakeup();
  }

  /**
   * Wakes the polled wire, from a guard thread, if bytes still wait for it and nothing woke it
   * since the linger was scheduled.
   */
  private void linger() {
    Runnable wake = null;
    lock.lock();
    try {
      lingering = false;
      if (!wireClosed && !finished && written > read) wake = takeWakeup();
    } finally {
      lock.unlock();
    }
    if (wake == null) return;
    try {
      // Not on the delay thread, which every pipe's linger shares.
      LengthGuard.EXECUTOR.execute(wake);
    } catch (RuntimeException | Error e) {
      // No thread to run it (refused, or none can be made): the wake was taken, and without it the
      // wire would sleep for good. It is short; run it here.
      wake.run();
    }
  }

  /** Passes what was written so far to the wire, however little. */
  void flush() throws IOException {
    Runnable wake = null;
    lock.lock();
    try {
      checkAbort();
      if (written > read) {
        if (readerWaiting) readable.signal();
        wake = takeWakeup();
      }
    } finally {
      lock.unlock();
    }
    run(wake);
  }

  /** Ends the body: the wire reads what is queued, then its end. */
  void finish() {
    Runnable wake;
    lock.lock();
    try {
      finished = true;
      readable.signalAll();
      wake = takeWakeup();
    } finally {
      lock.unlock();
    }
    run(wake);
  }

  /** Ends the body with the caller's own failure, which the wire throws after what is queued. */
  void failBody(Throwable failure) {
    Runnable wake;
    lock.lock();
    try {
      bodyFailure = failure;
      finished = true;
      readable.signalAll();
      wake = takeWakeup();
    } finally {
      lock.unlock();
    }
    run(wake);
  }

  /** Makes the writer's next write throw {@code reason}: nothing more is wanted of the body. */
  void abort(IOException reason) {
    lock.lock();
    try {
      if (abort == null) abort = reason;
      writable.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Records the status of the response to the first send. */
  void responded(int status) {
    this.status = status;
  }

  /** Returns the status of the response to the first send, or -1 if none came (yet). */
  int status() {
    return status;
  }

  /** Returns true once the wire will read no more. */
  boolean wireClosed() {
    lock.lock();
    try {
      return wireClosed;
    } finally {
      lock.unlock();
    }
  }

  /** Returns how many bytes the wire took: the read-ahead's and those written later. */
  long taken() {
    lock.lock();
    try {
      return taken;
    } finally {
      lock.unlock();
    }
  }

  private @Nullable Runnable takeWakeup() {
    Runnable wake = wakeup;
    wakeup = null;
    return wake;
  }

  private static void run(@Nullable Runnable wake) {
    if (wake != null) wake.run();
  }

  /** Returns the caller's body failure to throw, if it is an IOException; throws it otherwise. */
  private IOException bodyFailure() {
    Throwable failure = bodyFailure;
    if (failure instanceof IOException) return (IOException) failure;
    if (failure instanceof RuntimeException) throw (RuntimeException) failure;
    if (failure instanceof Error) throw (Error) failure;
    return new IOException(failure);
  }

  private void checkAbort() throws IOException {
    IOException reason = abort;
    if (reason != null) throw reason;
  }

  private static void awaitNanos(Condition condition, long nanos) throws InterruptedIOException {
    try {
      condition.awaitNanos(nanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while the body was handed to the wire");
    }
  }

  private static void await(Condition condition) throws InterruptedIOException {
    try {
      condition.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while the body was handed to the wire");
    }
  }

  // Wire side.

  /** Marks the wire as done: it failed, or the response came. Writes no longer wait. */
  void closeWire() {
    InputStream closing;
    lock.lock();
    try {
      wireClosed = true;
      ring = null;
      read = written;
      java.util.Arrays.fill(runArrays, null);
      runCount = 0;
      closing = prefix;
      prefix = null;
      endPrefix();
      readable.signalAll();
      writable.signalAll();
      wakeup = null;
    } finally {
      lock.unlock();
    }
    closeQuietly(closing);
  }

  /** Writes the whole body to {@code out}, as it comes; once. */
  void drainTo(OutputStream out) throws IOException {
    open();
    try {
      InputStream head = takePrefix();
      if (head != null) {
        try (InputStream in = head) {
          long n = in.transferTo(new CountingStream(out));
          if (n != prefixBytes) {
            throw new IOException("read-ahead held " + n + " bytes, not " + prefixBytes);
          }
        }
        prefixTaken();
      }
      while (true) {
        int n = nextRun(RUN);
        if (n == -1) return;
        out.write(runBuffer, runAt, n);
        tookRun(n);
      }
    } catch (IOException | RuntimeException | Error e) {
      closeWire();
      throw e;
    }
  }

  /** Returns the body as a stream, for clients that pull it; once. */
  InputStream openStream() {
    open();
    return new PipeStream();
  }

  /** Returns the body for a client that sends from an event loop and never waits; once. */
  OutgoingBody.Source openSource() {
    open();
    return new PolledSource();
  }

  /**
   * Hands {@code sink} what is queued now, in runs straight from the capture or the ring, until it
   * is empty or the sink takes less than it was offered; never waits. When nothing is queued,
   * {@code wake} runs once bytes are (half the window, a flush, the end or a failure of the body),
   * or from a guard thread within {@link #LINGER_NANOS} of the first bytes if nothing else woke it.
   * Returns true at the end of the body.
   */
  private boolean poll(OutgoingBody.Sink sink, Runnable wake) throws IOException {
    while (true) {
      byte[] buffer;
      int at;
      int n;
      boolean lent;
      lock.lock();
      try {
        if (wireClosed) throw new IOException("the request's body was abandoned");
        if (written == read) {
          if (finished) {
            if (bodyFailure == null) return true;
            throw bodyFailure();
          }
          wakeup = wake;
          return false;
        }
        n = firstRun(Integer.MAX_VALUE);
        buffer = runBuffer;
        at = runAt;
        lent = buffer != ring;
      } finally {
        lock.unlock();
      }
      // Runs not in the ring are the capture's: the sink may keep them as they are.
      int took =
          Checks.requireTaken(lent ? sink.lend(buffer, at, n) : sink.write(buffer, at, n), n);
      if (took > 0) tookRun(took);
      if (took < n) return false;
    }
  }

  private void open() {
    lock.lock();
    try {
      Checks.requireState(!opened, "a streamed body can be written only once");
      opened = true;
    } finally {
      lock.unlock();
    }
  }

  private @Nullable InputStream takePrefix() {
    lock.lock();
    try {
      InputStream head = prefix;
      prefix = null;
      return head;
    } finally {
      lock.unlock();
    }
  }

  /**
   * The wire took the whole read-ahead: its bytes are no longer held. Throws if it gave other than
   * {@link #prefixBytes}: what follows would then go out at the wrong place, a body with a hole.
   */
  private void prefixTaken() throws IOException {
    lock.lock();
    try {
      // Nothing queued is taken before the read-ahead's end: so far the wire took only its bytes.
      if (taken != prefixBytes) {
        throw new IOException("read-ahead held " + taken + " bytes, not " + prefixBytes);
      }
      endPrefix();
    } finally {
      lock.unlock();
    }
  }

  private void endPrefix() {
    prefixDone = true;
    MemoryBudget budget = prefixBudget;
    if (budget != null) {
      budget.release(prefixReserved);
      prefixReserved = 0;
    }
  }

  // Where the run nextRun returned lies; read by the wire's thread only.
  private byte[] runBuffer = new byte[0];
  private int runAt;

  /**
   * Waits for queued bytes and returns how many of them, at most {@code max}, lie in one run from
   * {@link #runAt} in {@link #runBuffer}; or -1 at the end of the body. The run stays the wire's
   * until {@link #tookRun} gives it back.
   */
  private int nextRun(int max) throws IOException {
    lock.lock();
    try {
      while (true) {
        if (wireClosed) throw new IOException("the request's body was abandoned");
        long queued = written - read;
        if (queued > 0) return firstRun(max);
        if (finished) {
          if (bodyFailure == null) return -1;
          throw bodyFailure();
        }
        readerWaiting = true;
        try {
          // Bounded, so that bytes below half the window go out soon even unflushed, as the bare
          // client sends each buffer it fills: a slow body never waits on its own pace here.
          awaitNanos(readable, LINGER_NANOS);
        } finally {
          readerWaiting = false;
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Returns how many bytes, at most {@code max}, lie queued in one run from {@link #runAt} in
   * {@link #runBuffer}, or 0 if none are queued now; never waits.
   */
  private int queuedRun(int max) {
    lock.lock();
    try {
      return wireClosed || written == read ? 0 : firstRun(max);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Points {@link #runBuffer} and {@link #runAt} at the first queued run, holding the lock with
   * bytes queued; returns how many of its bytes, at most {@code max}, the wire may take.
   */
  private int firstRun(int max) {
    runBuffer = runArrays[firstRun];
    runAt = runOffsets[firstRun];
    return Math.min(runLengths[firstRun], max);
  }

  /** Counts {@code n} bytes of the read-ahead the wire took. */
  private void took(long n) {
    lock.lock();
    try {
      taken += n;
    } finally {
      lock.unlock();
    }
  }

  /** Counts {@code n} bytes of the first run the wire took, and frees their room for the writer. */
  private void tookRun(int n) {
    lock.lock();
    try {
      taken += n;
      if (wireClosed) return;
      read += n;
      runOffsets[firstRun] += n;
      if ((runLengths[firstRun] -= n) == 0) {
        runArrays[firstRun] = null;
        firstRun = (firstRun + 1) & (RUNS - 1);
        runCount--;
        if (writerWaitingForRun) writable.signal();
      }
      if (writerWaiting && written - read <= HALF) writable.signal();
    } finally {
      lock.unlock();
    }
  }

  private static void closeQuietly(@Nullable InputStream in) {
    if (in == null) return;
    try {
      in.close();
    } catch (IOException ignored) {
      // A read-ahead snapshot: nothing to lose.
    }
  }

  /** Counts the read-ahead's bytes as the wire takes them. */
  private final class CountingStream extends OutputStream {
    private final OutputStream out;

    CountingStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      took(1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      took(len);
    }
  }

  /**
   * The pipe for a client that sends from an event loop: the read-ahead, then the queued runs. Its
   * methods hold its monitor, so that a close from another thread never meets a read of the
   * read-ahead; none of them waits.
   */
  private final class PolledSource implements OutgoingBody.Source {
    private @Nullable InputStream head = takePrefix();
    // A read-ahead spilled to a file goes a chunk at a time; what the sink refused stays here.
    private byte @Nullable [] chunk;
    private int chunkAt;
    private int chunkEnd;
    private boolean ended;

    @Override
    public synchronized boolean writeTo(OutgoingBody.Sink sink, Runnable wake) throws IOException {
      if (sink == null) throw new NullPointerException("sink == null");
      if (wake == null) throw new NullPointerException("wake == null");
      if (ended) return true;
      try {
        while (head != null) {
          int took = offerHead(sink);
          if (took == -1) {
            head.close();
            head = null;
            chunk = null;
            prefixTaken();
          } else if (took == 0) {
            return false;
          } else {
            took(took);
          }
        }
        ended = poll(sink, wake);
        return ended;
      } catch (IOException | RuntimeException | Error e) {
        closeWire();
        throw e;
      }
    }

    /** Offers the sink the read-ahead's next bytes; returns how many it took, or -1 at the end. */
    private int offerHead(OutgoingBody.Sink sink) throws IOException {
      // In memory, the read-ahead's segments themselves.
      if (head instanceof FrozenBody.SegmentInputStream) {
        return ((FrozenBody.SegmentInputStream) head).offerTo(sink);
      }
      if (chunkAt == chunkEnd) {
        if (chunk == null) chunk = new byte[8192];
        int n = head.read(chunk, 0, chunk.length);
        if (n == -1) return -1;
        chunkAt = 0;
        chunkEnd = n;
      }
      int took =
          Checks.requireTaken(sink.write(chunk, chunkAt, chunkEnd - chunkAt), chunkEnd - chunkAt);
      chunkAt += took;
      return took;
    }

    @Override
    public synchronized int available() {
      if (ended) return 0;
      if (head != null) return Math.max(1, chunkEnd - chunkAt);
      lock.lock();
      try {
        if (wireClosed) return 0;
        long queued = written - read;
        // The end, or the body's failure, is also something to write.
        return queued > 0 ? (int) Math.min(queued, Integer.MAX_VALUE) : finished ? 1 : 0;
      } finally {
        lock.unlock();
      }
    }

    @Override
    public synchronized void close() {
      // A client that stops before the end abandons the body: the writer stops waiting.
      if (ended) return;
      closeWire();
      closeQuietly(head);
      head = null;
      chunk = null;
      chunkAt = chunkEnd = 0;
    }
  }

  /** The pipe as a stream, for clients that pull the body. */
  private final class PipeStream extends InputStream {
    private @Nullable InputStream head = takePrefix();
    private boolean ended;

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      java.util.Objects.checkFromIndexSize(off, len, b.length);
      if (len == 0) return 0;
      try {
        if (head != null) {
          int n = head.read(b, off, len);
          if (n != -1) {
            took(n);
            return n;
          }
          head.close();
          head = null;
          prefixTaken();
        }
        if (ended) return -1;
        int n = nextRun(len);
        if (n == -1) {
          ended = true;
          return -1;
        }
        int total = 0;
        do {
          System.arraycopy(runBuffer, runAt, b, off + total, n);
          tookRun(n);
          total += n;
          // Fill the rest from runs queued now, without waiting: a client that reads into a new
          // array each time (java.net.http's ofInputStream) gets it full, not one run's worth.
        } while (total < len && (n = queuedRun(len - total)) > 0);
        return total;
      } catch (IOException | RuntimeException e) {
        closeWire();
        throw e;
      }
    }

    @Override
    public void close() {
      // A client that closes before the end abandons the body: the writer stops waiting.
      if (!ended) closeWire();
    }
  }
}
