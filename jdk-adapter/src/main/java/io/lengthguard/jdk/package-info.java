/**
 * LengthGuard for the JDK's own HTTP client ({@code java.net.http}): {@link
 * io.lengthguard.jdk.LengthGuardHttpClient}, an {@code HttpClient} that wraps another and gives
 * request bodies of unknown length an exact {@code Content-Length} when the server requires one;
 * and {@link io.lengthguard.jdk.FrozenBodyPublisher}, a body publisher of frozen bytes.
 */
@NullMarked
package io.lengthguard.jdk;

import org.jspecify.annotations.NullMarked;
