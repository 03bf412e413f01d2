/**
 * JMH benchmarks of LengthGuard's hot paths. Each class measures its subject beside its baseline in
 * the same run, so every ratio comes from one machine, one JDK and one run.
 */
@NullMarked
package io.lengthguard.benchmarks;

import org.jspecify.annotations.NullMarked;
