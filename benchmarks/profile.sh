#!/usr/bin/env bash
# Profiles one benchmark with async-profiler's CPU sampling and prints where each operation's CPU
# went, by thread and by the frame on the CPU (io.lengthguard.benchmarks.chart.ProfileSummary).
# With --alloc first, samples allocations instead, weighed in bytes, and prints each operation's
# bytes by thread and by site (the type, and who allocated it); -prof gc's norm beside them.
#
#   benchmarks/profile.sh 'LoopbackPostBenchmark.springRestClient$' -p size=65536 -p strategy=GUARD
#   benchmarks/profile.sh --alloc 'LoopbackPostBenchmark.jdk$' -p size=65536 -p strategy=GUARD
#
# Give it one benchmark and one set of parameters. It fetches async-profiler from Maven Central
# once, into benchmarks/target/async-profiler, runs 1 fork of 2 x 2 s warm-up and 4 x 2 s measured
# (options after the benchmark go to JMH), and leaves the collapsed stacks and
# a flame graph in benchmarks/target/profile/. Linux x64 only; uses the benchmarks.jar already
# built (mvn -pl benchmarks -am package). Run it on a quiet machine, as the benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."

event=cpu
if [ "${1:-}" = "--alloc" ]; then
  event=alloc
  shift
fi
version=3.0
jar=benchmarks/target/benchmarks.jar
profiler=benchmarks/target/async-profiler
out=benchmarks/target/profile
[ -f "$jar" ] || { echo "build the jar first: mvn -B -pl benchmarks -am package -DskipTests" >&2; exit 1; }
if [ ! -f "$profiler/linux-x64/libasyncProfiler.so" ]; then
  mvn -B -q dependency:copy -Dartifact="tools.profiler:async-profiler:$version:jar:linux-x64" \
    -DoutputDirectory="$profiler"
  (cd "$profiler" && unzip -q -o "async-profiler-$version-linux-x64.jar")
fi
rm -rf "$out"
mkdir -p "$out"
if [ "$event" = cpu ]; then
  java -jar "$jar" "$@" -f 1 -wi 2 -w 2s -i 4 -r 2s -rf json -rff "$out/result.json" \
    -prof "async:libPath=$PWD/$profiler/linux-x64/libasyncProfiler.so;event=cpu;threads=true;output=collapsed,flamegraph;dir=$out" \
    > "$out/jmh.log"
  stacks=$(find "$out" -name 'collapsed-cpu.csv' | head -n 1)
  [ -n "$stacks" ] || { echo "no profile written; see $out/jmh.log" >&2; exit 1; }
  java -cp "$jar" io.lengthguard.benchmarks.chart.ProfileSummary "$out/result.json" "$stacks"
else
  # total: each stack weighs the bytes it allocated, not its count of samples.
  java -jar "$jar" "$@" -f 1 -wi 2 -w 2s -i 4 -r 2s -rf json -rff "$out/result.json" -prof gc \
    -prof "async:libPath=$PWD/$profiler/linux-x64/libasyncProfiler.so;event=alloc;rawCommand=total;threads=true;output=collapsed,flamegraph;dir=$out" \
    > "$out/jmh.log"
  stacks=$(find "$out" -name 'collapsed-alloc.csv' | head -n 1)
  [ -n "$stacks" ] || { echo "no profile written; see $out/jmh.log" >&2; exit 1; }
  java -cp "$jar" io.lengthguard.benchmarks.chart.ProfileSummary --alloc "$out/result.json" "$stacks"
  grep -m 1 'gc.alloc.rate.norm:' "$out/jmh.log" | sed 's/^ */-prof gc: /'
fi
echo "flame graph: $(find "$out" -name '*.html' | head -n 1)"
