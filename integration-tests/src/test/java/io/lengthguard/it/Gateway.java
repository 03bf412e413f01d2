package io.lengthguard.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A real gateway from a Debian package, configured by a template in {@code gateways/} of the test
 * resources to be strict: 411 for a request body without {@code Content-Length}, everything else
 * forwarded to the {@link RecordingBackend}. Each answers 411 in its own way ({@link
 * LengthRequiredReply}).
 */
enum Gateway {
  NGINX(
      "nginx",
      "nginx.conf",
      List.of(),
      List.of(new Requirement("/usr/sbin/nginx", "nginx")),
      LengthRequiredReply.KEEPS_CONNECTION_AND_DRAINS_BODY) {
    @Override
    List<String> command(Path config, Path dir) {
      // The template says "daemon off": the process we start is the master, and its pid ours.
      return List.of("/usr/sbin/nginx", "-p", dir.toString(), "-c", config.toString());
    }
  },

  HAPROXY(
      "haproxy",
      "haproxy.cfg",
      List.of(),
      List.of(new Requirement("/usr/sbin/haproxy", "haproxy")),
      LengthRequiredReply.CLOSES_WITHOUT_READING_BODY) {
    @Override
    List<String> command(Path config, Path dir) {
      // -W -db: master-worker in the foreground; only the master writes the pid file.
      return List.of("/usr/sbin/haproxy", "-W", "-db", "-f", config.toString());
    }
  },

  APACHE2(
      "apache2",
      "apache2.conf",
      List.of(),
      List.of(new Requirement("/usr/sbin/apache2", "apache2")),
      LengthRequiredReply.DRAINS_BODY_THEN_CLOSES) {
    @Override
    List<String> command(Path config, Path dir) {
      // Called directly, not through apache2ctl: /etc/apache2 and its environment play no part.
      return List.of(
          "/usr/sbin/apache2", "-d", dir.toString(), "-f", config.toString(), "-DFOREGROUND");
    }

    @Override
    void prepare(Path dir) throws IOException {
      Files.createDirectories(dir.resolve("run"));
    }
  },

  LIGHTTPD(
      "lighttpd",
      "lighttpd.conf",
      List.of("strict.lua"),
      List.of(
          new Requirement("/usr/sbin/lighttpd", "lighttpd"),
          // mod_magnet runs strict.lua; bookworm ships it in its own package.
          new Requirement("/usr/lib/lighttpd/mod_magnet.so", "lighttpd-modules-lua")),
      LengthRequiredReply.DRAINS_BODY_THEN_CLOSES) {
    @Override
    List<String> command(Path config, Path dir) {
      // -D: do not daemonize.
      return List.of("/usr/sbin/lighttpd", "-D", "-f", config.toString());
    }
  };

  /** A file a gateway needs and the Debian package that installs it. */
  record Requirement(Path file, String debianPackage) {
    Requirement(String file, String debianPackage) {
      this(Path.of(file), debianPackage);
    }
  }

  /** How a gateway treats the connection once it has answered 411 to a chunked request. */
  enum LengthRequiredReply {
    /** Answers at once, reads and discards the body, and serves the next request on it (nginx). */
    KEEPS_CONNECTION_AND_DRAINS_BODY,
    /** Answers at once, reads and discards the body, then closes (apache2, lighttpd). */
    DRAINS_BODY_THEN_CLOSES,
    /**
     * Answers at once and closes without reading the body (haproxy): a client still writing gets a
     * reset or a broken pipe.
     */
    CLOSES_WITHOUT_READING_BODY
  }

  private final String displayName;
  private final String configTemplate;
  private final List<String> extraResources;
  private final List<Requirement> requirements;
  private final LengthRequiredReply lengthRequiredReply;

  Gateway(
      String displayName,
      String configTemplate,
      List<String> extraResources,
      List<Requirement> requirements,
      LengthRequiredReply lengthRequiredReply) {
    this.displayName = displayName;
    this.configTemplate = configTemplate;
    this.extraResources = extraResources;
    this.requirements = requirements;
    this.lengthRequiredReply = lengthRequiredReply;
  }

  /** Returns the command line that runs this gateway in the foreground with {@code config}. */
  abstract List<String> command(Path config, Path dir);

  /** Creates what the config expects to exist in {@code dir} before the start. */
  void prepare(Path dir) throws IOException {}

  /** Returns the name of the config template under {@code gateways/} in the test resources. */
  String configTemplate() {
    return configTemplate;
  }

  /** Returns other resources under {@code gateways/} the config reads, filled like the config. */
  List<String> extraResources() {
    return extraResources;
  }

  /** Returns the files this gateway needs, each with the Debian package that installs it. */
  List<Requirement> requirements() {
    return requirements;
  }

  /** Returns how this gateway answers 411 (see FACTS.md, "Real gateways"). */
  LengthRequiredReply lengthRequiredReply() {
    return lengthRequiredReply;
  }

  /** Returns the file name used for this gateway's work directory and pid file. */
  String fileName() {
    return displayName;
  }

  @Override
  public String toString() {
    return displayName;
  }
}
