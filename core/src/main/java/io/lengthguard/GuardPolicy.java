package io.lengthguard;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
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

  private static final GuardPolicy DEFAULTS = new Builder().build();

  private final GuardMode mode;
  private final Buffering buffering;
  private final int maxOrigins;
  private final Duration originTtl;
  private final boolean expectContinue;
  private final @Nullable String contentDigest;
  private final GuardListener listener;

  private GuardPolicy(Builder builder) {
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

  /** Returns how many origins {@link GuardMode#ADAPTIVE} remembers at most. */
  public int maxOrigins() {
    return maxOrigins;
  }

  /** Returns how long {@link GuardMode#ADAPTIVE} remembers that an origin wants a length. */
  public Duration originTtl() {
    return originTtl;
  }

  /**
   * Returns whether first sends of unknown length carry {@code Expect: 100-continue}, so that a 411
   * arrives before any byte of the body is written.
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

    Builder() {}

    Builder(GuardPolicy policy) {
      this.mode = policy.mode;
      this.buffering = policy.buffering;
      this.maxOrigins = policy.maxOrigins;
      this.originTtl = policy.originTtl;
      this.expectContinue = policy.expectContinue;
      this.contentDigest = policy.contentDigest;
      this.listener = policy.listener;
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

    /** Sets how many origins are remembered at most. Default 1024. */
    public Builder maxOrigins(int maxOrigins) {
      Checks.requireArgument(maxOrigins > 0, "maxOrigins <= 0: %s", maxOrigins);
      this.maxOrigins = maxOrigins;
      return this;
    }

    /** Sets how long an origin that answered 411 is remembered. Default one hour. */
    public Builder originTtl(Duration originTtl) {
      requireNonNull(originTtl, "originTtl == null");
      Checks.requireArgument(
          !originTtl.isNegative() && !originTtl.isZero(), "originTtl <= 0: %s", originTtl);
      this.originTtl = originTtl;
      return this;
    }

    /**
     * Sets whether first sends of unknown length carry {@code Expect: 100-continue}. Default false.
     */
    public Builder expectContinue(boolean expectContinue) {
      this.expectContinue = expectContinue;
      return this;
    }

    /**
     * Sets the algorithm of the {@code Content-Digest} header on frozen bodies: {@code sha-256},
     * {@code sha-512}, or null for none (the default).
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

    /** Returns a policy of this builder's settings. */
    public GuardPolicy build() {
      return new GuardPolicy(this);
    }
  }
}
