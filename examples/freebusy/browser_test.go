package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail/internal/realparts"
)

// TestSchedulerInBrowser drives the scheduling page in a real headless
// Chromium, with the keyboard only, in a narrow window: it types the
// attendees, moves with Tab to the first day, submits with Enter, and
// checks the grid's cells and the suggested times in the DOM against the
// answer the library gives for the same query. It leaves a screenshot in
// fedavail-out/scheduler.png.
func TestSchedulerInBrowser(t *testing.T) {
	browser := realparts.Chromium(t)
	base, client, _ := pageServer(t)

	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(browser), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(520, 900)}
	for _, f := range realparts.ChromiumFlags {
		opts = append(opts, chromedp.Flag(f, true))
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	defer cancelTimeout()

	attendees := []string{"dana@fabrikam.test", "erin@fabrikam.test", "tom@tailspin.test"}
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(expr string, into any) {
		t.Helper()
		var err error
		switch v := into.(type) {
		case *string:
			*v, err = chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		case *int:
			*v, err = chromedp.Run(ctx, chromedp.Evaluate[int](expr))
		case *[]string:
			*v, err = chromedp.Run(ctx, chromedp.Evaluate[[]string](expr))
		case *map[string]string:
			*v, err = chromedp.Run(ctx, chromedp.Evaluate[map[string]string](expr))
		case *map[string]map[string]int:
			*v, err = chromedp.Run(ctx, chromedp.Evaluate[map[string]map[string]int](expr))
		default:
			t.Fatalf("eval into %T", into)
		}
		if err != nil {
			t.Fatalf("evaluating %.40q: %v", expr, err)
		}
	}
	var (
		focused     string
		cells       map[string]map[string]int
		notes       map[string]string
		suggestions []string
		scrollWidth int
	)
	step("opening the page", chromedp.Navigate(base+"/"), chromedp.WaitReady(chromedp.CSS("#attendees")))
	// The attendees box has the focus on arrival: type straight away.
	eval(`document.activeElement.id`, &focused)
	step("filling the form with the keyboard",
		chromedp.KeyEvent(strings.Join(attendees, ", ")),
		chromedp.KeyEvent(kb.Tab), // to First day
		chromedp.SetValue(chromedp.CSS("#start"), "2026-11-30"),
		chromedp.KeyEvent(kb.Enter), // submits the form
		chromedp.WaitVisible(chromedp.CSS("#results")))
	eval(`(() => {
		const out = {};
		for (const tr of document.querySelectorAll('tr[data-attendee]')) {
			const counts = {};
			for (const td of tr.querySelectorAll('td.cell')) {
				const c = [...td.classList].find(x => x !== 'cell' && x !== 'first');
				counts[c] = (counts[c] || 0) + 1;
			}
			out[tr.dataset.attendee] = counts;
		}
		return out;
	})()`, &cells)
	eval(`Object.fromEntries([...document.querySelectorAll('tr[data-attendee]')].map(tr => [tr.dataset.attendee, tr.querySelector('td.note').textContent]))`, &notes)
	eval(`[...document.querySelectorAll('#suggestions li')].map(li => li.textContent)`, &suggestions)
	eval(`document.documentElement.scrollWidth`, &scrollWidth)
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 is a lossless PNG
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if focused != "attendees" {
		t.Errorf("focus on arrival is on %q, want the attendees box", focused)
	}

	london, _ := time.LoadLocation("Europe/London")
	start := time.Date(2026, 11, 30, 0, 0, 0, 0, london)
	want := expectedCells(t, client, attendees, start, 5)
	if diff := cmp.Diff(want, cells); diff != "" {
		t.Errorf("grid cells in the DOM differ from the library's answer (-want +got):\n%s", diff)
	}
	// The world's calendars, as a person would read the grid: dana is busy
	// Monday 9–10 and Thursday 14–15, tentative Wednesday 13–15; erin is
	// out of office all Tuesday.
	if got := cells["dana@fabrikam.test"]; got["busy"] != 2 || got["tentative"] != 2 {
		t.Errorf("dana's cells %v: want 2 busy and 2 tentative", got)
	}
	if got := cells["erin@fabrikam.test"]["oof"]; got != 10 {
		t.Errorf("erin has %d out-of-office cells, want all 10 of Tuesday", got)
	}
	if n := notes["tom@tailspin.test"]; !strings.Contains(n, "no data") {
		t.Errorf("tom's row says %q, want why there is no data", n)
	}
	if len(suggestions) == 0 {
		t.Fatal("no suggested times on the page")
	}
	// The best time is one where everyone who answered is free: Monday
	// 08:00 is before dana's 9:00 meeting.
	if first := suggestions[0]; !strings.HasPrefix(first, "Mon 30 Nov 08:00–09:00") || !strings.Contains(first, "Excellent") {
		t.Errorf("first suggestion %q, want Mon 30 Nov 08:00–09:00, Excellent", first)
	}
	for _, s := range suggestions {
		if strings.HasPrefix(s, "Mon 30 Nov 09:00") || strings.HasPrefix(s, "Tue 1 Dec") && strings.Contains(s, "Excellent") {
			t.Errorf("suggestion %q overlaps a conflict yet is listed as free", s)
		}
	}
	if scrollWidth > 520 {
		t.Errorf("the page is %d px wide in a 520 px window: the grid should scroll in its own region", scrollWidth)
	}
	shot := filepath.Join(artifactDir(t), "scheduler.png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", shot)
}
