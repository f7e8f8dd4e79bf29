package calendar

import (
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	ical "github.com/emersion/go-ical"
)

// Zones with the shapes Outlook and others write: both hemispheres, a rule
// change (US 2007) spelled as two observances with UNTIL, and RDATEs.
var lazyZoneTests = []struct {
	name, vtimezone string
	// iana, if set, is the zone the definition matches from year ianaFrom
	// to 2037 (where tzdata's explicit transitions end).
	iana     string
	ianaFrom int
}{
	{"W. Europe", windowsVTimezone, "Europe/Berlin", 1996},
	{"AUS Eastern", `BEGIN:VTIMEZONE
TZID:AUS Eastern Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+1100
TZOFFSETTO:+1000
RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=4
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+1000
TZOFFSETTO:+1100
RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=10
END:DAYLIGHT
END:VTIMEZONE`, "Australia/Sydney", 2009},
	{"US Eastern with history", `BEGIN:VTIMEZONE
TZID:Eastern Standard Time
BEGIN:DAYLIGHT
DTSTART:19870405T020000
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU;UNTIL=20060402T070000Z
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:19671029T020000
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;UNTIL=20061029T060000Z
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:20070311T020000
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:20071104T020000
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
END:STANDARD
END:VTIMEZONE`, "America/New_York", 1987},
	{"RDATEs only", `BEGIN:VTIMEZONE
TZID:Somewhere
BEGIN:STANDARD
DTSTART:19701025T030000
TZOFFSETFROM:+0300
TZOFFSETTO:+0200
RDATE:19801026T030000,19901028T030000,20191027T030000,20491031T030000
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700329T020000
TZOFFSETFROM:+0200
TZOFFSETTO:+0300
RDATE:19800330T020000,19900325T020000,20190331T020000,20490328T020000
END:DAYLIGHT
END:VTIMEZONE`, "", 0},
	{"rules, a gap of decades, rules again", `BEGIN:VTIMEZONE
TZID:Gap
BEGIN:DAYLIGHT
DTSTART:19700329T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU;UNTIL=19840325T010000Z
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:19701025T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;UNTIL=19841028T010000Z
END:STANDARD
BEGIN:STANDARD
DTSTART:19850101T000000
TZOFFSETFROM:+0100
TZOFFSETTO:+0300
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:20410331T020000
TZOFFSETFROM:+0300
TZOFFSETTO:+0400
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:20411027T030000
TZOFFSETFROM:+0400
TZOFFSETTO:+0300
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE`, "", 0},
}

func vtimezone(t *testing.T, text string) *ical.Component {
	t.Helper()
	body := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n" + strings.ReplaceAll(text, "\n", "\r\n") + "\r\nEND:VCALENDAR\r\n"
	cal, err := ical.NewDecoder(strings.NewReader(body)).Decode()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cal.Children {
		if c.Name == ical.CompTimezone {
			return c
		}
	}
	t.Fatal("no VTIMEZONE")
	return nil
}

// eagerOnsets expands every rule of z over the whole range at once, as
// fedavail did before expansion became lazy: the reference.
func eagerOnsets(t *testing.T, z *ruleZone) []onset {
	t.Helper()
	out := slices.Clone(z.fixed)
	for _, r := range z.rules {
		out = append(out, r.onsets(time.Date(zoneEpoch, 1, 1, 0, 0, 0, 0, time.UTC), vtzHorizon)...)
	}
	slices.SortFunc(out, func(a, b onset) int { return a.at.Compare(b.at) })
	return out
}

func eagerOffset(z *ruleZone, onsets []onset, t time.Time, key func(onset) time.Time) time.Duration {
	if o, ok := lastOnset(onsets, t, key); ok {
		return o.offset
	}
	return z.initial
}

// TestRuleZoneLazyMatchesEager converts random times from 1950 to 2250,
// and every transition's neighbourhood, both ways, and compares them with
// the whole-range expansion; where the definition matches an IANA zone, it
// compares with Go's tzdata as well.
func TestRuleZoneLazyMatchesEager(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 2026))
	wallKey := func(o onset) time.Time { return o.wallAt }
	atKey := func(o onset) time.Time { return o.at }
	for _, tt := range lazyZoneTests {
		t.Run(tt.name, func(t *testing.T) {
			z, err := newRuleZone(vtimezone(t, tt.vtimezone))
			if err != nil {
				t.Fatal(err)
			}
			ref, err := newRuleZone(vtimezone(t, tt.vtimezone))
			if err != nil {
				t.Fatal(err)
			}
			all := eagerOnsets(t, ref)
			if len(all) < 8 {
				t.Fatalf("%d onsets in the reference; the definition is not exercised", len(all))
			}
			var times []time.Time
			for range 3000 {
				times = append(times, time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.Int64N(300*365*24*3600))*time.Second).Truncate(time.Minute))
			}
			for _, o := range all {
				for _, d := range []time.Duration{-time.Hour, -time.Second, 0, time.Second, time.Hour} {
					times = append(times, o.at.Add(d), o.wallAt.Add(d))
				}
			}
			for _, at := range times {
				if got, want := z.toWall(at), at.Add(eagerOffset(ref, all, at, atKey)); !got.Equal(want) {
					t.Fatalf("toWall(%v) = %v, eager %v", at, got, want)
				}
				if got, want := z.toAbs(at), at.Add(-eagerOffset(ref, all, at, wallKey)); !got.Equal(want) {
					t.Fatalf("toAbs(%v) = %v, eager %v", at, got, want)
				}
			}
			if tt.iana == "" {
				return
			}
			loc := mustLoad(t, tt.iana)
			for y := tt.ianaFrom; y <= 2037; y++ {
				for m := time.January; m <= time.December; m++ {
					at := time.Date(y, m, 15, 12, 0, 0, 0, time.UTC)
					if got, want := z.toWall(at), (locZone{loc}).toWall(at); !got.Equal(want) {
						t.Fatalf("toWall(%v) = %v, %s says %v", at, got, tt.iana, want)
					}
				}
			}
		})
	}
}

// TestRuleZoneExpandsOnlyWhatIsAsked: converting times of one year
// expands the rules of that year's chunk (and at most its neighbour), not
// 1970 to 2200.
func TestRuleZoneExpandsOnlyWhatIsAsked(t *testing.T) {
	z, err := newRuleZone(vtimezone(t, windowsVTimezone))
	if err != nil {
		t.Fatal(err)
	}
	for d := range 365 {
		z.toAbs(time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC).AddDate(0, 0, d))
	}
	var made []int
	for k := range z.chunks {
		if z.chunks[k].Load() != nil {
			made = append(made, k)
		}
	}
	if len(made) == 0 || len(made) > 2 {
		t.Errorf("chunks expanded for 2024: %v; want the one holding 2024, and at most one more", made)
	}
	if n := len(*z.chunks[chunkOf(time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC))].Load()); n != 2*zoneChunkYears {
		t.Errorf("the 2024 chunk holds %d onsets, want %d (two a year)", n, 2*zoneChunkYears)
	}
}

// TestRuleZoneConcurrent converts times of many years from many goroutines
// on one shared zone (run with -race).
func TestRuleZoneConcurrent(t *testing.T) {
	z, err := newRuleZone(vtimezone(t, windowsVTimezone))
	if err != nil {
		t.Fatal(err)
	}
	berlin := locZone{mustLoad(t, "Europe/Berlin")}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Go(func() {
			for y := 1996 + g; y <= 2037; y += 8 {
				at := time.Date(y, 7, 1, 12, 0, 0, 0, time.UTC)
				if got, want := z.toWall(at), berlin.toWall(at); !got.Equal(want) {
					errs <- at.String()
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for at := range errs {
		t.Errorf("toWall(%s) differs from Europe/Berlin", at)
	}
}
