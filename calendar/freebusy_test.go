package calendar

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestMergedFreeBusy(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC)
	ev := func(fromMin, toMin int, b BusyType) Event {
		return Event{Start: t0.Add(time.Duration(fromMin) * time.Minute), End: t0.Add(time.Duration(toMin) * time.Minute), BusyType: b}
	}
	tests := []struct {
		name     string
		events   []Event
		hours    int
		interval time.Duration
		want     string
	}{
		{"empty", nil, 2, 30 * time.Minute, "0000"},
		{"one busy hour", []Event{ev(30, 90, Busy)}, 2, 30 * time.Minute, "0220"},
		{"partial overlap marks the interval", []Event{ev(10, 20, Tentative)}, 1, 30 * time.Minute, "10"},
		{"OOF beats busy", []Event{ev(0, 60, Busy), ev(30, 60, OOF)}, 1, 30 * time.Minute, "23"},
		{"busy beats tentative beats working elsewhere", []Event{ev(0, 90, WorkingElsewhere), ev(30, 90, Tentative), ev(60, 90, Busy)}, 2, 30 * time.Minute, "0120"},
		// Exchange 2013's MergedFreeBusyWeight: WorkingElsewhere weighs as
		// Free, and a slot is only replaced by a strictly heavier value.
		{"working elsewhere never shows", []Event{ev(0, 120, WorkingElsewhere)}, 2, time.Hour, "00"},
		{"OOF over working elsewhere", []Event{ev(0, 120, WorkingElsewhere), ev(0, 60, OOF)}, 2, time.Hour, "30"},
		{"free items never show", []Event{ev(0, 120, Free)}, 2, time.Hour, "00"},
		{"no data weighs less than free", []Event{ev(0, 60, NoData)}, 2, time.Hour, "00"},
		{"items outside the window", []Event{ev(-60, 0, Busy), ev(120, 180, Busy)}, 2, time.Hour, "00"},
		{"unsorted input", []Event{ev(60, 120, Busy), ev(0, 30, Tentative)}, 2, 30 * time.Minute, "1022"},
		{"last interval partial", []Event{ev(60, 70, Busy)}, 1, 45 * time.Minute, "02"},
		{"zero-length item", []Event{ev(15, 15, Busy)}, 1, 30 * time.Minute, "20"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			end := t0.Add(time.Duration(tt.hours) * time.Hour)
			if tt.name == "last interval partial" {
				end = t0.Add(75 * time.Minute)
			}
			got, err := MergedFreeBusy(tt.events, t0, end, tt.interval)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("MergedFreeBusy = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMergedFreeBusyErrors(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := MergedFreeBusy(nil, t0, t0, time.Hour); err == nil {
		t.Error("empty window accepted")
	}
	if _, err := MergedFreeBusy(nil, t0, t0.Add(time.Hour), 0); err == nil {
		t.Error("zero interval accepted")
	}
}

// TestDigits pins the digits to Exchange's BusyType enumeration.
func TestDigits(t *testing.T) {
	want := map[BusyType]byte{Free: '0', Tentative: '1', Busy: '2', OOF: '3', WorkingElsewhere: '4', NoData: '5', BusyType(9): '5', BusyType(-1): '5'}
	for b, d := range want {
		if got := b.Digit(); got != d {
			t.Errorf("%v.Digit() = %c, want %c", b, got, d)
		}
	}
}

// TestMergedFreeBusyAllocations: the string's cost follows its length,
// not a fixed set of arrays (issue 15): at most 16 bytes per slot.
func TestMergedFreeBusyAllocations(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	events := benchEvents(100, t0)
	for _, days := range []int{1, 42} {
		end := t0.AddDate(0, 0, days)
		slots := days * 48
		const runs = 100
		bytes := allocated(func() {
			for range runs {
				_, _ = MergedFreeBusy(events, t0, end, 30*time.Minute)
			}
		}) / runs
		// A string of n bytes, and three difference arrays of int32: 13n,
		// rounded up to size classes.
		if bytes > uint64(16*slots+512) {
			t.Errorf("%d days: %d bytes allocated for %d slots", days, bytes, slots)
		}
	}
}

// TestMergedFreeBusySweep holds the sweeps to the plain rule over random
// items of every status, some outside the window or of no length: each
// slot shows the heaviest of Tentative, Busy and OOF among the items
// slotRange puts in it, else Free. Windows of a day and of 42 days cover
// the stack and the heap buffers.
func TestMergedFreeBusySweep(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	types := []BusyType{Free, Tentative, Busy, OOF, WorkingElsewhere, NoData}
	weight := map[BusyType]int{Tentative: 1, Busy: 2, OOF: 3}
	for run := range 500 {
		days := 1 + 41*(run%2)
		end := t0.AddDate(0, 0, days)
		interval := time.Duration(5+r.IntN(60)) * time.Minute
		n, _ := intervals(t0, end, interval)
		var events []Event
		for range r.IntN(12) {
			s := t0.Add(time.Duration(r.Int64N(int64(end.Sub(t0))+2*int64(time.Hour))) - time.Hour)
			events = append(events, Event{Start: s, End: s.Add(time.Duration(r.Int64N(int64(6 * time.Hour)))), BusyType: types[r.IntN(len(types))]})
		}
		want := []byte(strings.Repeat(string(Free.Digit()), n))
		best := make([]int, n)
		for _, e := range events {
			w := weight[e.BusyType]
			first, last, ok := slotRange(e.Start, e.End, t0, interval, n)
			for i := first; ok && w > 0 && i <= last; i++ {
				if w > best[i] {
					best[i], want[i] = w, e.BusyType.Digit()
				}
			}
		}
		got, err := MergedFreeBusy(events, t0, end, interval)
		if err != nil || got != string(want) {
			t.Fatalf("run %d: %q, %v\nwant %q", run, got, err, want)
		}
	}
}
