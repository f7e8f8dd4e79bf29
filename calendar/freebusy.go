package calendar

import (
	"fmt"
	"time"
)

// MergedFreeBusy returns Exchange's merged free/busy string for one
// mailbox and [start, end) at the given interval: one digit per interval
// (the last one may be partial), see [BusyType.Digit].
//
// It follows Exchange 2013's MergedFreeBusy.cs: every slot starts Free and
// an item replaces it only with a strictly heavier value. The weights are
// Free 1, Tentative 2, Busy 3, OOF 4, WorkingElsewhere 1 (as Free) and
// NoData 0, so only Tentative, Busy and OOF ever show, the heaviest of the
// items overlapping a slot; a working-elsewhere item never shows in a single
// mailbox's string, and the string is the same for every schema version.
//
// events need not be sorted. The cost is linear in len(events) plus the
// number of intervals, and what it allocates is proportional to the
// string: the shown statuses keep difference arrays over the slots (on the
// stack for a window of up to two days of half hours), and a sweep per
// status present resolves every interval.
func MergedFreeBusy(events []Event, start, end time.Time, interval time.Duration) (string, error) {
	n, err := intervals(start, end, interval)
	if err != nil {
		return "", err
	}
	// marks[k*(n+1):] is the difference array of shown[k]: +1 at the
	// first slot an item touches, -1 after its last. One array for the
	// three, on the stack for a window of up to two days of half hours.
	shown := [...]BusyType{Tentative, Busy, OOF}
	var small [len(shown) * 97]int32
	var marks []int32
	var present [len(shown)]bool
	for i := range events {
		e := &events[i]
		k := int(e.BusyType - Tentative)
		if k < 0 || k >= len(shown) {
			continue
		}
		first, last, ok := slotRange(e.Start, e.End, start, interval, n)
		if !ok {
			continue
		}
		if marks == nil {
			if size := len(shown) * (n + 1); size <= len(small) {
				marks = small[:size]
			} else {
				marks = make([]int32, size)
			}
		}
		present[k] = true
		marks[k*(n+1)+first]++
		marks[k*(n+1)+last+1]--
	}
	// One sweep per status present, heaviest first: a slot takes the
	// digit of the first status active in it.
	var text [2 * 48]byte // a day or two of half hours without a copy to grow
	out := text[:0]
	if n > len(text) {
		out = make([]byte, 0, n)
	}
	for range n {
		out = append(out, Free.Digit())
	}
	for k := len(shown) - 1; k >= 0; k-- {
		if !present[k] {
			continue
		}
		d, active := shown[k].Digit(), int32(0)
		for i, m := range marks[k*(n+1) : k*(n+1)+n] {
			active += m
			if active > 0 && out[i] == Free.Digit() {
				out[i] = d
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
