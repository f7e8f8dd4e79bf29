#!/usr/bin/env bash
# Runs every Fuzz target of the module for a while each.
#   scripts/fuzz.sh            # 5s per target (what CI runs)
#   FUZZTIME=10m scripts/fuzz.sh   # longer, on demand
#   scripts/fuzz.sh ./ews/...      # only some packages
# New crashers land in the package's testdata/fuzz/ and then run as ordinary
# regression tests with `go test`: commit them with the fix.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${FUZZTIME:-5s}"
pkgs=("${@:-./...}")
count=0
for pkg in $(go list "${pkgs[@]}"); do
  targets=$(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true)
  for target in $targets; do
    echo "== fuzz $pkg $target ($fuzztime)"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg" >/tmp/fuzz.$$.log 2>&1 || {
      cat /tmp/fuzz.$$.log; rm -f /tmp/fuzz.$$.log; exit 1; }
    tail -1 /tmp/fuzz.$$.log
    count=$((count + 1))
  done
done
rm -f /tmp/fuzz.$$.log
echo "fuzz: $count targets ran for $fuzztime each"
