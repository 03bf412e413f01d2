/**
 * The LengthGuard probe: asks an endpoint which request framings it accepts and which {@code
 * GuardMode} suits it; with no argument, shows LengthGuard against an embedded strict server.
 */
@NullMarked
package io.lengthguard.probe;

import org.jspecify.annotations.NullMarked;
