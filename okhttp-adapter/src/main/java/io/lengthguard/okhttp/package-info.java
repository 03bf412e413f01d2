/**
 * LengthGuard for OkHttp: {@link io.lengthguard.okhttp.LengthGuardInterceptor}, an application
 * interceptor that gives request bodies of unknown length an exact {@code Content-Length} when the
 * server requires one and refuses malformed framing fields; {@link
 * io.lengthguard.okhttp.FrozenRequestBody}, a request body of frozen bytes; {@link
 * io.lengthguard.okhttp.FramingAuditInterceptor}, a network interceptor that checks the framing and
 * byte count of each request as sent; and {@link io.lengthguard.okhttp.OkHttpFraming}, which checks
 * a request's framing in tests.
 */
@NullMarked
package io.lengthguard.okhttp;

import org.jspecify.annotations.NullMarked;
