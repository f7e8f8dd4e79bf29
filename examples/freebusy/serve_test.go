package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fedavail/fedavail/examples/internal/grid"
	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/fedtest/loopback"
)

// pageServer serves the scheduling page of contoso.test in world, in
// London time, and returns its address and the client it asks with.
func pageServer(t *testing.T) (string, *federation.Client, *loopback.World) {
	t.Helper()
	w, dir := world(t)
	a := &app{httpClient: w.HTTP, resolver: w.DNS.Resolver(), now: w.Now}
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	client, err := a.client(&options{dir: dir}, w.Now)
	if err != nil {
		t.Fatal(err)
	}
	s := &scheduler{client: client, from: "alice@contoso.test", loc: london, timeout: time.Minute, now: w.Now,
		log: slog.New(slog.DiscardHandler)}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv.URL, client, w
}

func TestSchedulerPage(t *testing.T) {
	base, _, _ := pageServer(t)
	ask := func(v url.Values) url.Values { return v }
	tests := []struct {
		name   string
		method string
		query  url.Values
		status int
		want   []string // in the body
		not    []string // never in the body
	}{
		{name: "empty form", query: nil, status: 200,
			want: []string{`<form method="get" action="/"`, `value="alice@contoso.test"`, `<label for="attendees">`, "Times are in Europe/London"},
			not:  []string{`id="results"`}},
		{name: "asked", status: 200,
			query: ask(url.Values{"attendees": {"dana@fabrikam.test, erin@fabrikam.test\ntom@tailspin.test"}, "start": {"2026-11-30"}, "days": {"5"}}),
			want:  []string{`id="results"`, `data-attendee="dana@fabrikam.test"`, "Design review (Room 1)", "no data: the partner refused", `<ol id="suggestions">`},
			not:   []string{"Doctor"}}, // a private item's subject
		{name: "bad day count", status: 200, query: url.Values{"attendees": {"dana@fabrikam.test"}, "days": {"99"}},
			want: []string{`role="alert"`, "Days: want a whole number from 1 to 42"}, not: []string{`id="results"`}},
		{name: "bad date", status: 200, query: url.Values{"attendees": {"dana@fabrikam.test"}, "start": {"30/11/2026"}},
			want: []string{"First day: want a date like 2026-11-30"}},
		{name: "from outside the organization", status: 200, query: url.Values{"attendees": {"dana@fabrikam.test"}, "from": {"mallory@evil.test"}, "start": {"2026-11-30"}},
			want: []string{`role="alert"`, "evil.test"}, not: []string{`id="results"`}},
		{name: "script in the form is text", status: 200, query: url.Values{"attendees": {"<script>alert(1)</script>@x.test"}, "start": {"2026-11-30"}},
			want: []string{"&lt;script&gt;"}, not: []string{"<script>"}},
		{name: "POST", method: http.MethodPost, status: http.StatusMethodNotAllowed},
		{name: "other path", query: nil, status: http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := base + "/?" + tt.query.Encode()
			if tt.status == http.StatusNotFound {
				u = base + "/elsewhere"
			}
			req, err := http.NewRequestWithContext(t.Context(), cmpOr(tt.method, http.MethodGet), u, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d:\n%s", resp.StatusCode, tt.status, body)
			}
			if tt.status != 200 {
				return
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("Content-Security-Policy %q does not keep the page to itself", csp)
			}
			for _, s := range tt.want {
				if !strings.Contains(string(body), s) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, s := range tt.not {
				if strings.Contains(string(body), s) {
					t.Errorf("page has %q", s)
				}
			}
			for _, s := range []string{"http://", "https://"} { // no asset from elsewhere
				if strings.Contains(strings.ReplaceAll(string(body), "http://www.w3.org", ""), s) {
					t.Errorf("page refers to %s…", s)
				}
			}
		})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// artifactDir is where the browser test leaves its screenshot: the
// repository's fedavail-out folder (ignored by git), or $FEDAVAIL_ARTIFACTS.
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("FEDAVAIL_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "fedavail-out")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// expectedCells counts the grid's cells by class for one attendee, from
// the same answer the page drew, so the browser's DOM can be checked
// against it.
func expectedCells(t *testing.T, client *federation.Client, attendees []string, start time.Time, days int) map[string]map[string]int {
	t.Helper()
	res, err := client.Availability(t.Context(), federation.Query{From: "alice@contoso.test", Attendees: attendees,
		Start: start, End: start.AddDate(0, 0, days), Location: start.Location(), View: "DetailedMerged", MergedInterval: grid.Interval})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]int{}
	for _, r := range grid.New("", start, days, res).Rows {
		out[r.Attendee] = map[string]int{}
		for _, c := range r.Cells {
			if !r.NoData {
				out[r.Attendee][strings.ToLower(string(c))]++
			}
		}
	}
	return out
}
