#!/usr/bin/env bash
# scale.sh prints issue 15's scale curves as markdown tables:
#   N mailboxes touched -> first-load time, heap and resident memory;
#   items in a calendar -> the cost of one 42-day request.
# Each point runs in a test process of its own, since a process's resident
# set only grows. Usage: scripts/scale.sh  (about a minute on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go test -c -o "$bin/calendar.test" ./calendar
cd calendar # the test binary reads nothing from here, but run it where go test would

metric() { # metric NAME < benchmark output: the value before NAME
	awk -v m="$1" '{for (i = 2; i <= NF; i++) if ($i == m) print $(i-1)}' | tail -1
}

echo "| mailboxes touched | first load, µs/mailbox | heap after, MB | resident, MB |"
echo "|---|---|---|---|"
for n in 100 1000 10000; do
	out=$("$bin/calendar.test" -test.run '^$' -test.bench "^BenchmarkFolderScale/mailboxes=$n\$" -test.benchtime 1x)
	echo "| $n | $(metric first-load-µs/mailbox <<<"$out") | $(metric heap-MB <<<"$out") | $(metric rss-MB <<<"$out") |"
done
echo
echo "| items in the calendar | one 42-day request, µs |"
echo "|---|---|"
for n in 1000 10000 100000; do
	out=$("$bin/calendar.test" -test.run '^$' -test.bench "^BenchmarkRequestCostScale/events=$n\$" -test.benchtime 200x)
	echo "| $n | $(metric µs/request <<<"$out") |"
done
