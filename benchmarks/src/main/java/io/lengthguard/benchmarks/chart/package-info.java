/**
 * Turns JMH's JSON results into a chart of each benchmark against its baseline and a Markdown table
 * of the targets, met or not. Run {@link io.lengthguard.benchmarks.chart.ResultsChart}.
 */
@NullMarked
package io.lengthguard.benchmarks.chart;

import org.jspecify.annotations.NullMarked;
