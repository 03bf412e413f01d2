/**
 * LengthGuard for OkHttp: {@link io.lengthguard.okhttp.LengthGuardInterceptor}, an application
 * interceptor that gives request bodies of unknown length an exact {@code Content-Length} when the
 * server requires one, and {@link io.lengthguard.okhttp.FrozenRequestBody}, a request body of
 * frozen bytes.
 */
@NullMarked
package io.lengthguard.okhttp;

import org.jspecify.annotations.NullMarked;
