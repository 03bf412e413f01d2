package io.lengthguard.spring.boot;

import io.lengthguard.Buffering;
import io.lengthguard.GuardMode;
import io.lengthguard.GuardPolicy;
import io.lengthguard.Origin;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.util.unit.DataSize;

/**
 * LengthGuard's settings under {@code lengthguard.}: they make the {@link GuardPolicy} of the
 * application's guard unless the application declares its own {@code GuardPolicy} bean.
 *
 * <p>A value the policy cannot take fails startup with an {@link
 * InvalidConfigurationPropertyValueException} that names the property.
 */
@ConfigurationProperties("lengthguard")
public class LengthGuardProperties {
  private static final String PREFIX = "lengthguard.";

  /**
   * Whether to guard the RestClient.Builder, RestTemplateBuilder and WebClient.Builder that Spring
   * Boot provides.
   */
  private boolean enabled = true;

  /**
   * When bodies of unknown length are frozen: ADAPTIVE (read ahead, resend once after a 411, and
   * remember the origin), RETRY_ON_411 (the same without remembering), or PREBUFFER (every such
   * body frozen before its first send).
   */
  private GuardMode mode = GuardMode.ADAPTIVE;

  /**
   * How much of a body of unknown length is read ahead: a body that ends within it goes once with
   * its exact Content-Length; 0 turns read-ahead off. Default 1MB, or max-buffer-bytes if smaller.
   */
  private @Nullable DataSize prebufferBytes;

  /**
   * The largest body that can be frozen, that is kept for a resend; a longer one goes as the client
   * frames it.
   */
  private DataSize maxBufferBytes = DataSize.ofMegabytes(8);

  /**
   * Whether first sends of unknown length carry "Expect: 100-continue", so that a 411 arrives
   * before any byte of the body is written.
   */
  private boolean expectContinue;

  /** The RFC 9530 Content-Digest added to frozen bodies: sha-256 or sha-512. Default none. */
  private @Nullable String contentDigest;

  private final Spill spill = new Spill();

  private final Origins origins = new Origins();

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public GuardMode getMode() {
    return mode;
  }

  public void setMode(GuardMode mode) {
    this.mode = mode;
  }

  public @Nullable DataSize getPrebufferBytes() {
    return prebufferBytes;
  }

  public void setPrebufferBytes(@Nullable DataSize prebufferBytes) {
    this.prebufferBytes = prebufferBytes;
  }

  public DataSize getMaxBufferBytes() {
    return maxBufferBytes;
  }

  public void setMaxBufferBytes(DataSize maxBufferBytes) {
    this.maxBufferBytes = maxBufferBytes;
  }

  public boolean isExpectContinue() {
    return expectContinue;
  }

  public void setExpectContinue(boolean expectContinue) {
    this.expectContinue = expectContinue;
  }

  public @Nullable String getContentDigest() {
    return contentDigest;
  }

  public void setContentDigest(@Nullable String contentDigest) {
    this.contentDigest = contentDigest;
  }

  public Spill getSpill() {
    return spill;
  }

  public Origins getOrigins() {
    return origins;
  }

  /** Where frozen bodies go past a size in memory. */
  public static class Spill {
    /**
     * An existing directory for frozen bodies past spill.memory-bytes, in owner-only files deleted
     * after the call. Default none: bodies stay in memory.
     */
    private @Nullable Path directory;

    /** How much of a frozen body is held in memory before it moves to spill.directory. */
    private DataSize memoryBytes = DataSize.ofMegabytes(1);

    public @Nullable Path getDirectory() {
      return directory;
    }

    public void setDirectory(@Nullable Path directory) {
      this.directory = directory;
    }

    public DataSize getMemoryBytes() {
      return memoryBytes;
    }

    public void setMemoryBytes(DataSize memoryBytes) {
      this.memoryBytes = memoryBytes;
    }
  }

  /** What the guard knows and remembers of origins. */
  public static class Origins {
    /**
     * URLs of servers known to want a Content-Length: in ADAPTIVE mode bodies to their origins
     * (scheme, host, port) are frozen from the first request, and never forgotten.
     */
    private List<URI> lengthRequired = new ArrayList<>();

    /** How many origins ADAPTIVE mode remembers at most. */
    private int max = 1024;

    /** How long ADAPTIVE mode remembers that an origin answered 411. */
    private Duration ttl = Duration.ofHours(1);

    public List<URI> getLengthRequired() {
      return lengthRequired;
    }

    public void setLengthRequired(List<URI> lengthRequired) {
      this.lengthRequired = lengthRequired;
    }

    public int getMax() {
      return max;
    }

    public void setMax(int max) {
      this.max = max;
    }

    public Duration getTtl() {
      return ttl;
    }

    public void setTtl(Duration ttl) {
      this.ttl = ttl;
    }
  }

  /**
   * Returns a policy builder with these settings (no listener).
   *
   * @throws InvalidConfigurationPropertyValueException naming the first property the policy cannot
   *     take
   */
  GuardPolicy.Builder toPolicyBuilder() {
    GuardPolicy.Builder builder =
        GuardPolicy.builder().mode(mode).expectContinue(expectContinue).buffering(buffering());
    long maxBytes = maxBufferBytes.toBytes();
    if (prebufferBytes != null) {
      long bytes = prebufferBytes.toBytes();
      require(bytes >= 0, "prebuffer-bytes", show(prebufferBytes), "must not be negative");
      require(
          bytes <= maxBytes,
          "prebuffer-bytes",
          show(prebufferBytes),
          "must not exceed lengthguard.max-buffer-bytes (" + show(maxBufferBytes) + ")");
      builder.prebufferBytes(bytes);
    }
    if (contentDigest != null && !contentDigest.isBlank()) {
      try {
        builder.contentDigest(contentDigest.trim().toLowerCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new InvalidConfigurationPropertyValueException(
            PREFIX + "content-digest", contentDigest, "must be sha-256 or sha-512");
      }
    }
    require(origins.max > 0, "origins.max", origins.max, "must be positive");
    builder.maxOrigins(origins.max);
    require(
        !origins.ttl.isNegative() && !origins.ttl.isZero(),
        "origins.ttl",
        origins.ttl,
        "must be positive");
    builder.originTtl(origins.ttl);
    for (URI url : origins.lengthRequired) builder.lengthRequired(origin(url));
    return builder;
  }

  private Buffering buffering() {
    long maxBytes = maxBufferBytes.toBytes();
    require(maxBytes > 0, "max-buffer-bytes", show(maxBufferBytes), "must be positive");
    Path directory = spill.directory;
    if (directory == null) return Buffering.inMemory(maxBytes);
    require(
        Files.isDirectory(directory),
        "spill.directory",
        directory,
        "must be an existing directory");
    long memoryBytes = spill.memoryBytes.toBytes();
    require(
        memoryBytes >= 0, "spill.memory-bytes", show(spill.memoryBytes), "must not be negative");
    require(
        memoryBytes <= maxBytes,
        "spill.memory-bytes",
        show(spill.memoryBytes),
        "must not exceed lengthguard.max-buffer-bytes (" + show(maxBufferBytes) + ")");
    return Buffering.spillToDisk(memoryBytes, maxBytes, directory);
  }

  /** Returns the origin of {@code url}: its scheme, host and port, the scheme's if none. */
  private static Origin origin(URI url) {
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    boolean http = scheme.equals("http") || scheme.equals("https");
    require(
        http && url.getHost() != null,
        "origins.length-required",
        url,
        "must be an http or https URL with a host, such as https://uploads.example.com");
    String host = url.getHost();
    // URI keeps the brackets of an IPv6 literal; the adapters' origins do not.
    if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
    int port = url.getPort() != -1 ? url.getPort() : scheme.equals("https") ? 443 : 80;
    return Origin.of(scheme, host, port);
  }

  /** Returns {@code size} as a property would say it: {@code 8MB}, {@code 64KB}, {@code 10B}. */
  private static String show(DataSize size) {
    long bytes = size.toBytes();
    if (bytes != 0 && bytes % (1024 * 1024) == 0) return bytes / (1024 * 1024) + "MB";
    if (bytes != 0 && bytes % 1024 == 0) return bytes / 1024 + "KB";
    return bytes + "B";
  }

  private static void require(boolean valid, String name, Object value, String reason) {
    if (!valid) throw new InvalidConfigurationPropertyValueException(PREFIX + name, value, reason);
  }
}
