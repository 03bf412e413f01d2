/**
 * LengthGuard for Apache HttpClient 5: request bodies of unknown length go out with an exact {@code
 * Content-Length}, before their first send or after a 411 Length Required. Three ways in: a {@link
 * io.lengthguard.httpclient5.FrozenEntity} you build, a handler you {@linkplain
 * io.lengthguard.httpclient5.LengthGuardExecHandler#install install} in a builder (or {@link
 * io.lengthguard.httpclient5.LengthGuardAsyncExecHandler} for the async client), or a client you
 * already have, {@linkplain io.lengthguard.httpclient5.LengthGuardHttpClient#wrap wrapped}. {@link
 * io.lengthguard.httpclient5.EarlyResponses} gives classic clients connections that read a 411
 * arriving while the body is still being written. {@link
 * io.lengthguard.httpclient5.HttpClientFramingAudit} audits the framing of what a client sends, and
 * {@link io.lengthguard.httpclient5.HttpClientFraming} checks a request's framing in tests.
 */
@NullMarked
package io.lengthguard.httpclient5;

import org.jspecify.annotations.NullMarked;
