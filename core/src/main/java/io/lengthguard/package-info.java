/**
 * LengthGuard's core: freeze a request body into immutable bytes with an exact length, buffer
 * bodies of unknown length within a cap, and decide when a body must be frozen before it is sent.
 */
@NullMarked
package io.lengthguard;

import org.jspecify.annotations.NullMarked;
