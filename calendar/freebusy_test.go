package calendar

import (
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
		{"busy beats tentative beats working elsewhere", []Event{ev(0, 90, WorkingElsewhere), ev(30, 90, Tentative), ev(60, 90, Busy)}, 2, 30 * time.Minute, "5120"},
		{"free items never show", []Event{ev(0, 120, Free)}, 2, time.Hour, "00"},
		{"no data", []Event{ev(0, 60, NoData)}, 2, time.Hour, "40"},
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
