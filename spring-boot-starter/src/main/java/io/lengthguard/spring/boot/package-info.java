/**
 * LengthGuard's Spring Boot auto-configuration: the {@code RestClient}, {@code RestTemplate} and
 * {@code WebClient} builders Boot provides send through one guard.
 */
@NullMarked
package io.lengthguard.spring.boot;

import org.jspecify.annotations.NullMarked;
