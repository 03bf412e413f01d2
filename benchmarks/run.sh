#!/usr/bin/env bash
# Runs LengthGuard's JMH benchmarks, then charts the results against their baselines.
#
#   benchmarks/run.sh quick [regex...] [-- jmh options...]  under 10 minutes on 2 cores
#   benchmarks/run.sh full  [regex...] [-- jmh options...]  publishable numbers (about 45 minutes)
#   benchmarks/run.sh smoke [regex...] [-- jmh options...]  one short iteration each: proves they run
#
# Writes benchmarks/results/<mode>.json (JMH's JSON), <mode>.png (the chart), <mode>.md (the
# tables) and <mode>-machine.txt (JDK and hardware). Smoke results go to benchmarks/target/smoke.*,
# never to the published results. Set SKIP_BUILD=1 to use the benchmarks.jar already built.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

mode="${1:-}"
shift || true

# The benchmark selection: JMH regexes over the benchmark names, one per class, in the order of
# the targets (chart/Targets.java).
selection=(
  'io\.lengthguard\.benchmarks\.LoopbackPostBenchmark'
  'io\.lengthguard\.benchmarks\.OkHttpFreezeBenchmark'
  'io\.lengthguard\.benchmarks\.FreezeStringBenchmark'
  'io\.lengthguard\.benchmarks\.BufferStreamBenchmark'
  'io\.lengthguard\.benchmarks\.DigestBenchmark'
  'io\.lengthguard\.benchmarks\.GuardOverheadBenchmark'
)

case "$mode" in
  quick)
    out=benchmarks/results
    options=(-f 1 -wi 2 -w 1s -i 3 -r 1s)
    ;;
  full)
    out=benchmarks/results
    options=(-f 2 -wi 3 -w 2s -i 5 -r 2s)
    ;;
  smoke)
    out=benchmarks/target
    options=(-f 1 -wi 0 -i 1 -r 200ms)
    ;;
  *)
    echo "usage: benchmarks/run.sh quick|full|smoke [regex...] [-- jmh options...]" >&2
    exit 2
    ;;
esac

# Regexes given on the command line replace the default selection; options after -- go to JMH.
chosen=()
extra=()
while [ $# -gt 0 ]; do
  if [ "$1" = "--" ]; then
    shift
    extra=("$@")
    break
  fi
  chosen+=("$1")
  shift
done
if [ ${#chosen[@]} -gt 0 ]; then
  selection=("${chosen[@]}")
fi

jar=benchmarks/target/benchmarks.jar
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  # package, not install: the jar is run from target/, nothing goes to the local repository.
  mvn -B -q -pl benchmarks -am package -DskipTests -Dspotless.check.skip=true -Dmaven.javadoc.skip=true -Dmaven.source.skip=true
fi

mkdir -p "$out"
json="$out/$mode.json"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "java: $(java -version 2>&1 | tr '\n' ' ')"
  echo "os: $(uname -srm)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || echo unknown)"
  echo "cores: $(nproc 2>/dev/null || echo unknown)"
  echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null || echo unknown)"
  echo "load before run: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
  echo "jmh options: ${options[*]} -prof gc ${extra[*]:-}"
} > "$out/$mode-machine.txt"

java -jar "$jar" "${selection[@]}" "${options[@]}" -prof gc -rf json -rff "$json" ${extra[@]+"${extra[@]}"}

java -cp "$jar" io.lengthguard.benchmarks.chart.ResultsChart "$json" "$out/$mode.png" \
  > "$out/$mode.md"
cat "$out/$mode.md"
echo "wrote $json, $out/$mode.png, $out/$mode.md, $out/$mode-machine.txt"
