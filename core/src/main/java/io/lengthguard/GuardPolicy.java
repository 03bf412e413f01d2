package io.lengthguard;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What the guard does with bodies of unknown length: when to freeze them, how much to buffer, what
 * to remember per origin, and whom to tell.
 *
 * <p>This class is immutable and thread-safe; {@link Builder#build()} copies the builder's state.
 */
public final class GuardPolicy {
  /** The default buffering: up to 8 MiB, in memory. */
  public static final long DEFAULT_MAX_BUFFER_BYTES = 8L * 1024 * 1024;

  /** The default read-ahead: bodies of unknown length up to 1 MiB go with their exact length. */
  public static final long DEFAULT_PREBUFFER_BYTES = 1024 * 1024;

  /**
   * The default memory budget: a quarter of the heap this JVM may grow to ({@code
   * Runtime.maxMemory() / 4}), so that the guard's in-flight bodies alone never take a service near
   * its heap limit however many uploads run at once. A 256 MiB heap gives 64 MiB: eight captures of
   * the default 8 MiB, below the occupancy at which G1 starts a concurrent cycle (45% by default).
   */
  public static final long DEFAULT_MEMORY_BUDGET = Runtime.getRuntime().maxMemory() / 4;

  private static final GuardPolicy DEFAULTS = new Builder().build();

  private final GuardMode mode;
  private final Buffering buffering;
  private final int maxOrigins;
  private final Duration originTtl;
  private final boolean expectContinue;
  private final @Nullable String contentDigest;
  private final GuardListener listener;
  private final long prebufferBytes;
  private final long memoryBudget;
  private final Set<Origin> lengthRequired;

  private GuardPolicy(Builder builder) {
    this.prebufferBytes = builder.prebufferBytes;
    this.memoryBudget = builder.memoryBudget;
    this.lengthRequired = Set.copyOf(builder.lengthRequired);
    this.mode = builder.mode;
    this.buffering = builder.buffering;
    this.maxOrigins = builder.maxOrigins;
    this.originTtl = builder.originTtl;
    this.expectContinue = builder.expectContinue;
    this.contentDigest = builder.contentDigest;
    this.listener = builder.listener;
  }

  /** Returns the default policy: {@link GuardMode#ADAPTIVE}, 8 MiB in memory, no digest. */
  public static GuardPolicy defaults() {
    return DEFAULTS;
  }

  /** Returns a builder with the default settings. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns a builder with this policy's settings. */
  public Builder newBuilder() {
    return new Builder(this);
  }

  /** Returns when bodies of unknown length are frozen. */
  public GuardMode mode() {
    return mode;
  }

  /** Returns how bodies are held while frozen, and the largest that can be. */
  public Buffering buffering() {
    return buffering;
  }

  /**
   * Returns how many origins each of the guard's memories holds at most: those that want a length
   * ({@link GuardMode#ADAPTIVE}), and, in every mode, those that refused {@code Expect} and those
   * that answer over HTTP/2 or HTTP/3.
   */
  public int maxOrigins() {
    return maxOrigins;
  }

  /**
   * Returns how long the guard remembers that an origin wants a length ({@link
   * GuardMode#ADAPTIVE}), refused {@code Expect}, or answers over HTTP/2 or HTTP/3.
   */
  public Duration originTtl() {
    return originTtl;
  }

  /**
   * Returns whether a body streamed past the read-ahead asks for 100 (Continue) first ({@code
   * Expect: 100-continue}), so that a 411 arrives before any byte of the body is written. A client
   * that would lose such a 411 (HttpClient 5) asks whatever this says; an origin that refused
   * {@code Expect} with 417 within {@link #originTtl()} is not asked.
   */
  public boolean expectContinue() {
    return expectContinue;
  }

  /**
   * Returns the RFC 9530 algorithm ({@code sha-256} or {@code sha-512}) of the {@code
   * Content-Digest} header added to frozen bodies, or null for none.
   */
  public @Nullable String contentDigest() {
    return contentDigest;
  }

  /** Returns the listener of the guard's events. */
  public GuardListener listener() {
    return listener;
  }

  /**
   * Returns how many bytes of a body of unknown length are read ahead before its first send in
   * {@link GuardMode#ADAPTIVE} and {@link GuardMode#RETRY_ON_411}: a body that ends within them
   * (inclusive) goes with its exact {@code Content-Length}; a longer one streams as the client
   * frames it. 0 turns read-ahead off.
   */
  public long prebufferBytes() {
    return prebufferBytes;
  }

  /**
   * Returns the most bytes all in-flight read-aheads, frozen bodies and captures of one guard may
   * hold in memory at once; spill files do not count. A body that would pass it is sent as the
   * client would send it without the guard.
   */
  public long memoryBudget() {
    return memoryBudget;
  }

  /**
   * Returns the origins known up front to want a {@code Content-Length}: in {@link
   * GuardMode#ADAPTIVE} their bodies are frozen from the first request, and they never expire.
   */
  public Set<Origin> lengthRequired() {
    return lengthRequired;
  }

  @Override
  public String toString() {
    return "GuardPolicy{mode="
        + mode
        + ", buffering="
        + buffering
        + ", maxOrigins="
        + maxOrigins
        + ", originTtl="
        + originTtl
        + ", expectContinue="
        + expectContinue
        + ", contentDigest="
        + contentDigest
        + ", prebufferBytes="
        + prebufferBytes
        + ", memoryBudget="
        + memoryBudget
        + ", lengthRequired="
        + lengthRequired
        + "}";
  }

  /** Builds a {@link GuardPolicy}. This class is not thread-safe; it may be reused. */
  public static final class Builder {
    private GuardMode mode = GuardMode.ADAPTIVE;
    private Buffering buffering = Buffering.inMemory(DEFAULT_MAX_BUFFER_BYTES);
    private int maxOrigins = 1024;
    private Duration originTtl = Duration.ofHours(1);
    private boolean expectContinue;
    private @Nullable String contentDigest;
    private GuardListener listener = GuardListener.NONE;
    private long prebufferBytes = DEFAULT_PREBUFFER_BYTES;
    private boolean prebufferSet;
    private long memoryBudget = DEFAULT_MEMORY_BUDGET;
    private final Set<Origin> lengthRequired = new LinkedHashSet<>();

    Builder() {}

    Builder(GuardPolicy policy) {
      this.mode = policy.mode;
      this.buffering = policy.buffering;
      this.maxOrigins = policy.maxOrigins;
      this.originTtl = policy.originTtl;
      this.expectContinue = policy.expectContinue;
      this.contentDigest = policy.contentDigest;
      this.listener = policy.listener;
      this.prebufferBytes = policy.prebufferBytes;
      // A default read-ahead stays a default: it follows a buffering set on this builder.
      this.prebufferSet =
          policy.prebufferBytes != Math.min(DEFAULT_PREBUFFER_BYTES, policy.buffering.maxBytes());
      this.memoryBudget = policy.memoryBudget;
      this.lengthRequired.addAll(policy.lengthRequired);
    }

    /** Sets when bodies of unknown length are frozen. Default {@link GuardMode#ADAPTIVE}. */
    public Builder mode(GuardMode mode) {
      this.mode = requireNonNull(mode, "mode == null");
      return this;
    }

    /** Sets how bodies are held while frozen. Default {@code Buffering.inMemory(8 MiB)}. */
    public Builder buffering(Buffering buffering) {
      this.buffering = requireNonNull(buffering, "buffering == null");
      return this;
    }

    /**
     * Sets how many origins each of the guard's memories holds at most ({@link
     * GuardPolicy#maxOrigins()}). Default 1024.
     *
     * @throws IllegalArgumentException if {@code maxOrigins} is not positive
     */
    public Builder maxOrigins(int maxOrigins) {
      Checks.requireArgument(maxOrigins > 0, "maxOrigins <= 0: %s", maxOrigins);
      this.maxOrigins = maxOrigins;
      return this;
    }

    /**
     * Sets how long an origin that answered 411, refused {@code Expect} or answered over HTTP/2 or
     * HTTP/3 is remembered. Default one hour.
     *
     * @throws IllegalArgumentException if {@code originTtl} is zero or negative
     */
    public Builder originTtl(Duration originTtl) {
      requireNonNull(originTtl, "originTtl == null");
      Checks.requireArgument(
          !originTtl.isNegative() && !originTtl.isZero(), "originTtl <= 0: %s", originTtl);
      this.originTtl = originTtl;
      return this;
    }

    /**
     * Sets whether a body streamed past the read-ahead asks for 100 (Continue) first, as {@link
     * GuardPolicy#expectContinue()} says. Default false.
     */
    public Builder expectContinue(boolean expectContinue) {
      this.expectContinue = expectContinue;
      return this;
    }

    /**
     * Sets the algorithm of the {@code Content-Digest} header on frozen bodies: {@code sha-256},
     * {@code sha-512}, or null for none (the default).
     *
     * @throws IllegalArgumentException if {@code algorithm} is neither
     */
    public Builder contentDigest(@Nullable String algorithm) {
      this.contentDigest = algorithm == null ? null : FrozenBody.checkDigestAlgorithm(algorithm);
      return this;
    }

    /** Sets the listener of the guard's events. Default {@link GuardListener#NONE}. */
    public Builder listener(GuardListener listener) {
      this.listener = requireNonNull(listener, "listener == null");
      return this;
    }

    /**
     * Sets how many bytes of a body of unknown length are read ahead before its first send, in
     * {@link GuardMode#ADAPTIVE} and {@link GuardMode#RETRY_ON_411}. A body of at most this many
     * bytes is sent with its exact {@code Content-Length} on the first try; only a longer body is
     * sent as the client frames it. 0 turns read-ahead off. Default {@value
     * #DEFAULT_PREBUFFER_BYTES} (1 MiB); at most the buffering's {@code maxBytes}, checked by
     * {@link #build()}. Left unset, it is the smaller of 1 MiB and that limit.
     *
     * @throws IllegalArgumentException if {@code prebufferBytes} is negative
     */
    public Builder prebufferBytes(long prebufferBytes) {
      Checks.requireArgument(prebufferBytes >= 0, "prebufferBytes < 0: %s", prebufferBytes);
      this.prebufferBytes = prebufferBytes;
      this.prebufferSet = true;
      return this;
    }

    /**
     * Sets the most bytes that all in-flight read-aheads, frozen bodies and captures of one guard
     * may hold in memory at once (spill files do not count). A read-ahead counts until the wire has
     * taken it; a capture given up on the way gives its bytes back at once. A body that would pass
     * it is sent as the client would send it without the guard, and {@link
     * GuardListener#overBudget} says so; nothing fails because of the budget. Default {@link
     * #DEFAULT_MEMORY_BUDGET}.
     *
     * @throws IllegalArgumentException if {@code memoryBudget} is negative
     */
    public Builder memoryBudget(long memoryBudget) {
      Checks.requireArgument(memoryBudget >= 0, "memoryBudget < 0: %s", memoryBudget);
      this.memoryBudget = memoryBudget;
      return this;
    }

    /**
     * Adds origins known to want a {@code Content-Length}: in {@link GuardMode#ADAPTIVE} their
     * bodies of unknown length are frozen from the first request, and they are never forgotten.
     */
    public Builder lengthRequired(Origin... origins) {
      requireNonNull(origins, "origins == null");
      return lengthRequired(Arrays.asList(origins));
    }

    /**
     * Adds origins known to want a {@code Content-Length}; see {@link #lengthRequired(Origin...)}.
     */
    public Builder lengthRequired(Collection<Origin> origins) {
      requireNonNull(origins, "origins == null");
      for (Origin origin : origins) lengthRequired.add(requireNonNull(origin, "origin == null"));
      return this;
    }

    /**
     * Returns a policy of this builder's settings.
     *
     * @throws IllegalArgumentException if {@code prebufferBytes} passes the buffering's {@code
     *     maxBytes}
     */
    public GuardPolicy build() {
      if (!prebufferSet) prebufferBytes = Math.min(DEFAULT_PREBUFFER_BYTES, buffering.maxBytes());
      Checks.requireArgument(
          prebufferBytes <= buffering.maxBytes(),
          "prebufferBytes (%s) > buffering maxBytes (%s): raise the buffering limit or lower"
              + " prebufferBytes",
          prebufferBytes,
          buffering.maxBytes());
      return new GuardPolicy(this);
    }
  }
}
