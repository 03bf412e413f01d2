/** LengthGuard for httpclient5. */
@NullMarked
package io.lengthguard.httpclient5;

import org.jspecify.annotations.NullMarked;
