#!/bin/sh
# bench.sh runs every benchmark of the module, each package's in one run so
# that the ratios BENCHMARKS.md quotes (benchmark vs its baseline) compare
# figures measured side by side, and summarizes them with benchstat.
#
#   scripts/bench.sh [count] [outdir]     (defaults: 6, ./bench-out)
#
# Install benchstat with: go install golang.org/x/perf/cmd/benchstat@latest
set -eu
count=${1:-6}
out=${2:-bench-out}
mkdir -p "$out"
cd "$(dirname "$0")/.."
for pkg in ./federation/token ./federation/wstrust ./federation/broker ./ews ./calendar; do
	name=$(echo "$pkg" | tr -c 'a-z0-9\n' '_' | sed 's/^__//')
	echo "== $pkg" >&2
	go test -run '^$' -bench . -benchmem -count "$count" "$pkg" | tee "$out/$name.txt"
done
if command -v benchstat >/dev/null 2>&1; then
	for f in "$out"/*.txt; do
		echo "== $f"
		benchstat "$f"
	done
else
	echo "benchstat not found; raw results are in $out" >&2
fi
