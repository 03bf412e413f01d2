/**
 * LengthGuard for Micrometer: {@link io.lengthguard.micrometer.LengthGuardMetrics} records the
 * guard's events as Micrometer meters, tagged the way Micrometer's HTTP client instrumentation and
 * the OpenTelemetry semantic conventions tag theirs.
 */
@NullMarked
package io.lengthguard.micrometer;

import org.jspecify.annotations.NullMarked;
