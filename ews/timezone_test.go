package ews

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("zone database: %v", err)
	}
	return loc
}

func TestTimeZoneFor(t *testing.T) {
	rule := func(bias int, clock string, order, month int) TimeZoneTime {
		return TimeZoneTime{Bias: bias, Time: clock, DayOrder: order, Month: month, DayOfWeek: "Sunday"}
	}
	none := TimeZoneTime{Time: "00:00:00", DayOfWeek: "Sunday"}
	tests := []struct {
		zone string
		want SerializableTimeZone
	}{
		{"Europe/London", SerializableTimeZone{Bias: 0, StandardTime: rule(0, "02:00:00", 5, 10), DaylightTime: rule(-60, "01:00:00", 5, 3)}},
		// Irish winter time is "daylight saving" with a negative save in the
		// zone database; Windows sees it as standard time, and so do we.
		{"Europe/Dublin", SerializableTimeZone{Bias: 0, StandardTime: rule(0, "02:00:00", 5, 10), DaylightTime: rule(-60, "01:00:00", 5, 3)}},
		{"America/New_York", SerializableTimeZone{Bias: 300, StandardTime: rule(0, "02:00:00", 1, 11), DaylightTime: rule(-60, "02:00:00", 2, 3)}},
		{"Australia/Sydney", SerializableTimeZone{Bias: -600, StandardTime: rule(0, "03:00:00", 1, 4), DaylightTime: rule(-60, "02:00:00", 1, 10)}},
		{"Asia/Tokyo", SerializableTimeZone{Bias: -540, StandardTime: none, DaylightTime: none}},
		{"Asia/Kolkata", SerializableTimeZone{Bias: -330, StandardTime: none, DaylightTime: none}},
		{"UTC", SerializableTimeZone{StandardTime: none, DaylightTime: none}},
	}
	for _, tt := range tests {
		t.Run(tt.zone, func(t *testing.T) {
			got := TimeZoneFor(mustLoad(t, tt.zone), 2025)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("TimeZoneFor(%s, 2025) (-want +got):\n%s", tt.zone, diff)
			}
		})
	}
}

// TestTimeZoneRoundTrip checks, every hour of two years, that the zone
// derived from a Go location and turned back into one (and its Offset
// method) agrees with the original.
func TestTimeZoneRoundTrip(t *testing.T) {
	for _, name := range []string{"Europe/London", "America/New_York", "Australia/Sydney", "Asia/Tokyo", "America/Sao_Paulo", "Pacific/Auckland", "America/St_Johns"} {
		t.Run(name, func(t *testing.T) {
			loc := mustLoad(t, name)
			for _, year := range []int{2024, 2025} {
				z := TimeZoneFor(loc, year)
				back, err := z.Location(name)
				if err != nil {
					t.Fatal(err)
				}
				start := time.Date(year, 1, 1, 0, 0, 0, 0, loc)
				for tm := start; tm.Year() == year; tm = tm.Add(time.Hour) {
					_, want := tm.Zone()
					_, got := tm.In(back).Zone()
					if got != want {
						t.Fatalf("%s: rebuilt location offset %d, want %d (zone %+v)", tm, got, want, z)
					}
					if off, _ := z.Offset(tm); off != want {
						t.Fatalf("%s: Offset %d, want %d", tm, off, want)
					}
				}
			}
		})
	}
}

func TestTimeZoneLocationErrors(t *testing.T) {
	good := TimeZoneFor(mustLoad(t, "Europe/London"), 2025)
	tests := []struct {
		name   string
		mutate func(*SerializableTimeZone)
	}{
		{"month 13", func(z *SerializableTimeZone) { z.DaylightTime.Month = 13 }},
		{"day name", func(z *SerializableTimeZone) { z.StandardTime.DayOfWeek = "Someday" }},
		{"clock", func(z *SerializableTimeZone) { z.StandardTime.Time = "25:00" }},
		{"day order", func(z *SerializableTimeZone) { z.StandardTime.DayOrder = 9 }},
		{"bias", func(z *SerializableTimeZone) { z.Bias = 100000 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z := good
			tt.mutate(&z)
			if _, err := z.Location(""); !errors.Is(err, ErrTimeZone) {
				t.Errorf("Location() error = %v, want ErrTimeZone", err)
			}
		})
	}
}

// TestSampleWorkingHoursZone reads the zone of Microsoft's documented
// response (Pacific time with 2006's rules) as a location.
func TestSampleWorkingHoursZone(t *testing.T) {
	z := SerializableTimeZone{
		Bias:         480,
		StandardTime: TimeZoneTime{Time: "02:00:00", DayOrder: 5, Month: 10, DayOfWeek: "Sunday"},
		DaylightTime: TimeZoneTime{Bias: -60, Time: "02:00:00", DayOrder: 1, Month: 4, DayOfWeek: "Sunday"},
	}
	loc, err := z.Location("Pacific")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		utc  time.Time
		want int
	}{
		{time.Date(2006, 4, 2, 9, 59, 0, 0, time.UTC), -8 * 3600},   // 01:59 PST
		{time.Date(2006, 4, 2, 10, 0, 0, 0, time.UTC), -7 * 3600},   // 03:00 PDT
		{time.Date(2006, 10, 16, 13, 0, 0, 0, time.UTC), -7 * 3600}, // the sample's day
		{time.Date(2006, 10, 29, 8, 59, 0, 0, time.UTC), -7 * 3600}, // 01:59 PDT
		{time.Date(2006, 10, 29, 9, 0, 0, 0, time.UTC), -8 * 3600},  // 01:00 PST
	}
	for _, tt := range tests {
		if _, got := tt.utc.In(loc).Zone(); got != tt.want {
			t.Errorf("%s: offset %d, want %d", tt.utc, got, tt.want)
		}
	}
}
