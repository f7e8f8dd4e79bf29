package calendar

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSuggest(t *testing.T) {
	// Tuesday 2 January 2024, three attendees working 09:00–12:00 UTC.
	day := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	at := func(h, m int) time.Time { return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
	wh := &WorkingHours{Location: time.UTC, Periods: []WorkingPeriod{{Days: []time.Weekday{time.Tuesday}, StartMinute: 9 * 60, EndMinute: 12 * 60}}}
	attendees := []Attendee{
		{WorkingHours: wh, Events: []Event{{Start: at(9, 0), End: at(10, 0), BusyType: Busy}}},
		{WorkingHours: wh, Events: []Event{{Start: at(9, 30), End: at(10, 30), BusyType: Tentative}}},
		{WorkingHours: wh, Events: []Event{{Start: at(11, 0), End: at(11, 30), BusyType: WorkingElsewhere}}},
	}
	type row struct {
		Start   string
		Work    bool
		Quality Quality
		Status  []BusyType
	}
	flatten := func(days []DaySuggestions) (out []row) {
		for _, d := range days {
			for _, s := range d.Suggestions {
				out = append(out, row{s.Start.Format("15:04"), s.IsWorkTime, s.Quality, s.Status})
			}
		}
		return out
	}
	tests := []struct {
		name string
		opts SuggestionOptions
		atts []Attendee
		want []row
		// dayQuality is the first day's quality.
		dayQuality Quality
	}{
		{
			name: "work hours only, all qualities",
			opts: SuggestionOptions{Start: at(9, 0), End: at(12, 0)},
			atts: attendees,
			want: []row{
				{"09:00", true, Poor, []BusyType{Busy, Tentative, Free}},
				{"09:30", true, Poor, []BusyType{Busy, Tentative, Free}},
				{"10:00", true, Fair, []BusyType{Free, Tentative, Free}},
				{"10:30", true, Excellent, []BusyType{Free, Free, WorkingElsewhere}},
				{"11:00", true, Excellent, []BusyType{Free, Free, WorkingElsewhere}},
			},
			dayQuality: Excellent,
		},
		{
			name:       "minimum quality and a cap of one per day keeps the best",
			opts:       SuggestionOptions{Start: at(9, 0), End: at(12, 0), MinQuality: Good, MaxResultsPerDay: 1},
			atts:       attendees,
			want:       []row{{"10:30", true, Excellent, []BusyType{Free, Free, WorkingElsewhere}}},
			dayQuality: Excellent,
		},
		{
			name: "excluded conflicts and non-work hours",
			opts: SuggestionOptions{Start: at(8, 0), End: at(10, 0), Duration: 30 * time.Minute, MaxNonWorkHourResultsPerDay: 1},
			atts: []Attendee{{WorkingHours: wh, ExcludeConflicts: true, Events: []Event{{Start: at(9, 0), End: at(9, 45), BusyType: Busy}}}},
			want: []row{
				{"08:00", false, Excellent, []BusyType{Free}},
			},
			dayQuality: Excellent,
		},
		{
			// One attendee in three (33%) has a conflict; only the first
			// attendee's working hours are known, so they decide work time.
			name:       "good threshold",
			opts:       SuggestionOptions{Start: at(9, 0), End: at(10, 0), GoodThreshold: 40},
			atts:       []Attendee{attendees[0], {}, {}},
			want:       []row{{"09:00", true, Good, []BusyType{Busy, Free, Free}}},
			dayQuality: Good,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			days, err := Suggest(tt.atts, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(days) != 1 || !days[0].Date.Equal(day) {
				t.Fatalf("days = %v, want one for %v", days, day)
			}
			if days[0].Quality != tt.dayQuality {
				t.Errorf("day quality = %v, want %v", days[0].Quality, tt.dayQuality)
			}
			if diff := cmp.Diff(tt.want, flatten(days)); diff != "" {
				t.Errorf("suggestions (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSuggestDaysInZone(t *testing.T) {
	syd, err := time.LoadLocation("Australia/Sydney")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2024, 4, 6, 0, 0, 0, 0, syd) // DST ends on 7 April
	days, err := Suggest(nil, SuggestionOptions{Start: start, End: start.AddDate(0, 0, 3), Location: syd})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range days {
		got = append(got, d.Date.Format("2006-01-02 15:04 MST"))
	}
	want := []string{"2024-04-06 00:00 AEDT", "2024-04-07 00:00 AEDT", "2024-04-08 00:00 AEST"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("days (-want +got):\n%s", diff)
	}
}

func TestSuggestErrors(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, o := range []SuggestionOptions{
		{Start: t0, End: t0},
		{Start: t0, End: t0.Add(time.Hour), GoodThreshold: 60},
		{Start: t0, End: t0.Add(time.Hour), Duration: 90 * time.Second},
	} {
		if _, err := Suggest(nil, o); err == nil {
			t.Errorf("Suggest(%+v) accepted", o)
		}
	}
}
