package calendar

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// outlookFile writes an Outlook-style calendar: a VTIMEZONE with a Windows
// name (or, for its IANA twin, the IANA name and no VTIMEZONE), a weekly
// series begun seriesYear, and singles one-off items, the last window
// items of them inside [winStart, winStart+42 days) and the rest spread
// over the years before.
func outlookFile(iana bool, seriesYear, singles, window int, winStart time.Time) []byte {
	tzid := "W. Europe Standard Time"
	var b strings.Builder
	if iana {
		tzid = "Europe/Berlin"
	} else {
		b.WriteString(windowsVTimezone + "\n")
	}
	fmt.Fprintf(&b, "BEGIN:VEVENT\nUID:weekly\nSUMMARY:Team meeting\nDTSTART;TZID=%s:%04d0106T093000\nDTEND;TZID=%s:%04d0106T103000\nRRULE:FREQ=WEEKLY;BYDAY=MO,WE\nX-MICROSOFT-CDO-BUSYSTATUS:BUSY\nEND:VEVENT\n", tzid, seriesYear, tzid, seriesYear)
	for i := range singles {
		var at time.Time
		if i < window {
			at = winStart.Add(time.Duration(i) * 42 * 24 * time.Hour / time.Duration(window))
		} else {
			// Before the window, one every ~3 hours back in time.
			at = winStart.Add(-time.Duration(i-window+1) * 3 * time.Hour)
		}
		w := at.Format(icsDateTime)
		fmt.Fprintf(&b, "BEGIN:VEVENT\nUID:s%d\nSUMMARY:Item %d\nLOCATION:Room %d\nDTSTART;TZID=%s:%s\nDURATION:PT45M\nEND:VEVENT\n", i, i, i%20, tzid, w)
	}
	return ics(b.String())
}

var benchWindow = time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)

// paired runs a and b alternately, which goes first switching each
// iteration, and reports the ratio of their summed times as name: load
// that comes and goes on a shared machine weighs on both sides alike.
func paired(b *testing.B, name string, x, y func()) {
	var tx, ty time.Duration
	timed := func(f func(), total *time.Duration) {
		start := time.Now()
		f()
		*total += time.Since(start)
	}
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			timed(x, &tx)
			timed(y, &ty)
		} else {
			timed(y, &ty)
			timed(x, &tx)
		}
	}
	b.ReportMetric(float64(tx)/float64(ty), name)
}

func mustParse(b *testing.B, data []byte) *icsCalendar {
	b.Helper()
	c, err := parseICS(data, time.UTC)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func mustEvents(b *testing.B, c *icsCalendar) []Event {
	b.Helper()
	got, err := c.events(b.Context(), "", benchWindow, benchWindow.AddDate(0, 0, 42), DefaultMaxEvents)
	if err != nil {
		b.Fatal(err)
	}
	return got
}

func window(b *testing.B, c *icsCalendar, want int) func() {
	return func() {
		got, err := c.events(b.Context(), "", benchWindow, benchWindow.AddDate(0, 0, 42), DefaultMaxEvents)
		if err != nil || len(got) != want {
			b.Fatalf("%d items, %v; want %d", len(got), err, want)
		}
	}
}

// BenchmarkWindowCost100kOver1k: a 42-day request on a 100,000-item
// calendar over the same request on a 1,000-item one, both with the same
// 50 items and the same series in the window (goal ≤ 3).
func BenchmarkWindowCost100kOver1k(b *testing.B) {
	big := mustParse(b, outlookFile(true, 2023, 100000, 50, benchWindow))
	small := mustParse(b, outlookFile(true, 2023, 1000, 50, benchWindow))
	n := len(mustEvents(b, small))
	runtime.GC() // the parses' garbage is not the windows' cost
	paired(b, "100k/1k", window(b, big, n), window(b, small, n))
}

// BenchmarkOldSeriesOverNew: a 42-day request on a weekly series begun 20
// years before over one begun the year before (goal ≤ 1.5).
func BenchmarkOldSeriesOverNew(b *testing.B) {
	old := mustParse(b, outlookFile(true, 2004, 0, 0, benchWindow))
	recent := mustParse(b, outlookFile(true, 2023, 0, 0, benchWindow))
	n := len(mustEvents(b, recent))
	paired(b, "20y/1y", window(b, old, n), window(b, recent, n))
}

// BenchmarkOutlookOverIANA: parsing an Outlook-style file (VTIMEZONE with a
// Windows name, 50 items and a series) over its IANA-named twin (goal ≤ 1.5).
func BenchmarkOutlookOverIANA(b *testing.B) {
	outlook := outlookFile(false, 2023, 50, 50, benchWindow)
	twin := outlookFile(true, 2023, 50, 50, benchWindow)
	paired(b, "outlook/iana", func() { mustParse(b, outlook) }, func() { mustParse(b, twin) })
}

// BenchmarkFolderRetained loads Outlook-style calendars of many mailboxes
// through a Folder and reports the heap each cached mailbox keeps
// ("B/mailbox", measured after a collection) and the Folder's own
// estimate of it ("estimate-B/mailbox").
func BenchmarkFolderRetained(b *testing.B) {
	const mailboxes = 1000
	dir := b.TempDir()
	data := outlookFile(false, 2023, 50, 50, benchWindow)
	for i := range mailboxes {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("m%d@example.com.ics", i)), data, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	var retained, estimate float64
	for b.Loop() {
		f := &Folder{Dir: dir, MaxCacheBytes: 1 << 40}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := range mailboxes {
			if _, err := f.Events(b.Context(), fmt.Sprintf("m%d@example.com", i), benchWindow, benchWindow.AddDate(0, 0, 42)); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		est, n := f.CacheBytes()
		if n != mailboxes {
			b.Fatalf("%d calendars cached, want %d", n, mailboxes)
		}
		retained += float64(after.HeapAlloc-before.HeapAlloc) / mailboxes
		estimate += float64(est) / mailboxes
		runtime.KeepAlive(f)
	}
	b.ReportMetric(retained/float64(b.N), "B/mailbox")
	b.ReportMetric(estimate/float64(b.N), "estimate-B/mailbox")
}

// BenchmarkFolderScale touches N mailboxes' Outlook-style calendars
// (50 items and a weekly series each) through a Folder with the default
// budget, each for the first time, and reports the first load's time per
// mailbox ("first-load-µs/mailbox"), the heap in use afterwards
// ("heap-MB") and the process's resident set ("rss-MB"; the partner's goal
// is under 250 MB at 10,000). Resident memory only grows within a process:
// scripts/scale.sh runs each N in a process of its own.
func BenchmarkFolderScale(b *testing.B) {
	data := outlookFile(false, 2023, 50, 50, benchWindow)
	for _, mailboxes := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("mailboxes=%d", mailboxes), func(b *testing.B) {
			dir := b.TempDir()
			for i := range mailboxes {
				if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("m%d@example.com.ics", i)), data, 0o600); err != nil {
					b.Fatal(err)
				}
			}
			var heap, load float64
			for b.Loop() {
				f := &Folder{Dir: dir}
				start := time.Now()
				for i := range mailboxes {
					if _, err := f.Events(b.Context(), fmt.Sprintf("m%d@example.com", i), benchWindow, benchWindow.AddDate(0, 0, 42)); err != nil {
						b.Fatal(err)
					}
				}
				load += float64(time.Since(start).Microseconds()) / float64(mailboxes)
				var ms runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&ms)
				heap += float64(ms.HeapAlloc) / (1 << 20)
				if kb := residentKB(); kb > 0 {
					b.ReportMetric(float64(kb)/1024, "rss-MB")
				}
				runtime.KeepAlive(f)
			}
			b.ReportMetric(load/float64(b.N), "first-load-µs/mailbox")
			b.ReportMetric(heap/float64(b.N), "heap-MB")
		})
	}
}

// BenchmarkRequestCostScale: a 42-day request on Outlook-style calendars of
// 1,000, 10,000 and 100,000 items, the same 50 items and weekly series in
// the window each time; reports "µs/request". The curve should stay flat:
// a request costs what its window holds (WindowCost100kOver1k pairs the
// two ends).
func BenchmarkRequestCostScale(b *testing.B) {
	for _, events := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("events=%d", events), func(b *testing.B) {
			c := mustParse(b, outlookFile(false, 2023, events, 50, benchWindow))
			n := len(mustEvents(b, c))
			request := window(b, c, n)
			runtime.GC()
			start := time.Now()
			for b.Loop() {
				request()
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/float64(b.N), "µs/request")
		})
	}
}

// residentKB reads the process's resident set from /proc (Linux), or 0.
func residentKB() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(v), "%d", &kb)
			return kb
		}
	}
	return 0
}

// BenchmarkOutlookFirstParseOverIANA is BenchmarkOutlookOverIANA for a
// definition nobody has used yet: the shared zones are forgotten before
// each parse, so every iteration turns the VTIMEZONE into rules again, as
// the first file of a process (or the first with a new definition) does.
func BenchmarkOutlookFirstParseOverIANA(b *testing.B) {
	outlook := outlookFile(false, 2023, 50, 50, benchWindow)
	twin := outlookFile(true, 2023, 50, 50, benchWindow)
	paired(b, "outlook-first/iana", func() {
		ruleZones.Lock()
		clear(ruleZones.m)
		ruleZones.Unlock()
		mustParse(b, outlook)
	}, func() { mustParse(b, twin) })
}
