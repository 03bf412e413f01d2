package io.lengthguard.it;

import io.lengthguard.GuardMode;
import java.util.Locale;

/**
 * One cell of the matrix: a {@code client} with a guard in {@code mode} posts {@code size} bytes as
 * a {@code body} of that kind through {@code gateway}, with or without {@code Expect:
 * 100-continue}.
 */
record Cell(
    Gateway gateway,
    ClientKind client,
    GuardMode mode,
    int size,
    BodyKind body,
    boolean expectContinue) {

  /** Returns a path no other cell uses, for the request named {@code request}. */
  String path(String request) {
    return "/matrix/"
        + gateway.fileName()
        + "/"
        + client.name().toLowerCase(Locale.ROOT)
        + "/"
        + mode.name().toLowerCase(Locale.ROOT)
        + "/"
        + size
        + "/"
        + body.name().toLowerCase(Locale.ROOT)
        + (expectContinue ? "/expect-continue/" : "/")
        + request;
  }

  @Override
  public String toString() {
    return gateway
        + ", "
        + client
        + ", "
        + mode
        + (expectContinue ? " + expectContinue" : "")
        + ", "
        + sizeName(size)
        + ", "
        + body;
  }

  /** Returns {@code bytes} as the matrix names sizes: 0 B, 1 KiB, 1 MiB, 16 MiB. */
  static String sizeName(int bytes) {
    if (bytes >= 1 << 20 && bytes % (1 << 20) == 0) return (bytes >> 20) + " MiB";
    if (bytes >= 1 << 10 && bytes % (1 << 10) == 0) return (bytes >> 10) + " KiB";
    return bytes + " B";
  }
}
