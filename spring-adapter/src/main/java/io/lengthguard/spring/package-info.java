/**
 * LengthGuard for Spring: {@link io.lengthguard.spring.LengthGuardClientHttpRequestFactory}, a
 * request factory for {@code RestClient} and {@code RestTemplate} that guards any other, and {@link
 * io.lengthguard.spring.LengthGuardClientHttpConnector}, a connector for {@code WebClient} that
 * guards any other. Both give a request body of unknown length an exact {@code Content-Length} when
 * the server requires one, through the guard's exchange.
 */
@NullMarked
package io.lengthguard.spring;

import org.jspecify.annotations.NullMarked;
