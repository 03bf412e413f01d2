/** LengthGuard for okhttp. */
@NullMarked
package io.lengthguard.okhttp;

import org.jspecify.annotations.NullMarked;
