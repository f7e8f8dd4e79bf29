package calendar

import (
	"fmt"
	"time"
)

// MergedFreeBusy returns Exchange's merged free/busy string for [start, end)
// at the given interval: one digit per interval (the last one may be
// partial), 0 free, 1 tentative, 2 busy, 3 out of office, 4 no data,
// 5 working elsewhere (see [BusyType.Digit]).
//
// An interval shows the strongest status of the items overlapping it, in
// this order: OOF > Busy > Tentative > WorkingElsewhere > NoData > Free.
// Exchange's documentation gives the order of the four legacy values;
// WorkingElsewhere (Exchange 2013 and later) ranks below Tentative because
// it does not make a person unavailable — Outlook likewise lets any
// tentative or busy item cover it. Free items never show.
//
// events need not be sorted. The cost is linear in len(events) plus the
// number of intervals: each item adds a start and an end mark per status,
// and one sweep resolves every interval.
func MergedFreeBusy(events []Event, start, end time.Time, interval time.Duration) (string, error) {
	n, err := intervals(start, end, interval)
	if err != nil {
		return "", err
	}
	counts := statusCounts(events, start, interval, n)
	out := make([]byte, n)
	var active [numRanks]int
	for i := range out {
		for r := 1; r < numRanks; r++ {
			active[r] += counts[r][i]
		}
		out[i] = Free.Digit()
		for r := numRanks - 1; r > 0; r-- {
			if active[r] > 0 {
				out[i] = byRank[r].Digit()
				break
			}
		}
	}
	return string(out), nil
}

// intervals returns how many intervals of the given length cover [start, end).
func intervals(start, end time.Time, interval time.Duration) (int, error) {
	if interval <= 0 {
		return 0, fmt.Errorf("calendar: interval %v is not positive", interval)
	}
	if !end.After(start) {
		return 0, fmt.Errorf("calendar: window end %v is not after its start %v", end, start)
	}
	span := end.Sub(start)
	return int((span + interval - 1) / interval), nil
}

// statusCounts returns, per status rank, a difference array over n slots of
// the given length from start: +1 at the first slot an item of that status
// touches, -1 after the last. Prefix sums give the number of such items
// active in each slot.
func statusCounts(events []Event, start time.Time, slot time.Duration, n int) [numRanks][]int {
	var counts [numRanks][]int
	for i := range events {
		e := &events[i]
		r := e.BusyType.rank()
		if r == 0 {
			continue
		}
		first, last, ok := slotRange(e.Start, e.End, start, slot, n)
		if !ok {
			continue
		}
		if counts[r] == nil {
			counts[r] = make([]int, n+1)
		}
		counts[r][first]++
		counts[r][last+1]--
	}
	for r := range counts {
		if counts[r] == nil {
			counts[r] = make([]int, n+1) // read-only zeros keep the sweep branch-free
		}
	}
	return counts
}

// slotRange returns the first and last of n slots that [s, e) overlaps.
// A zero-length item occupies the slot it falls in.
func slotRange(s, e, start time.Time, slot time.Duration, n int) (first, last int, ok bool) {
	from := s.Sub(start)
	to := e.Sub(start)
	if to <= 0 && !(to == 0 && from == 0) || from >= time.Duration(n)*slot {
		return 0, 0, false
	}
	if from < 0 {
		from = 0
	}
	first = int(from / slot)
	if to <= from {
		last = first
	} else {
		last = int((to - 1) / slot)
	}
	if last >= n {
		last = n - 1
	}
	return first, last, true
}
