package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/examples/internal/grid"
	"github.com/fedavail/fedavail/federation"
)

// maxPageAttendees caps the attendees one page request may name: the page
// is for people planning a meeting, and each attendee costs the partners
// work.
const maxPageAttendees = 100

// scheduler is the scheduling page: a form for attendees and days, and,
// once asked, the grid of their free/busy and the best common free times.
type scheduler struct {
	client  *federation.Client
	from    string         // the default for the page's From field
	loc     *time.Location // the zone days and hours are shown in
	timeout time.Duration  // for one page's query
	now     func() time.Time
	log     *slog.Logger
}

// pageForm is what the form holds, as typed.
type pageForm struct {
	From, Attendees, Start string
	Days, Minutes          int
}

// pageSuggestion is one suggested meeting time, in words.
type pageSuggestion struct {
	When, Quality string
	Busy          []string // who has a conflict, if anyone
}

// pageData fills the page template.
type pageData struct {
	Form        pageForm
	Zone        string
	Style       template.CSS
	Errors      []string
	Asked       bool
	Grid        template.HTML
	Suggestions []pageSuggestion
}

// ServeHTTP answers GET / with the page; the form submits to the same
// address with GET, so an answer is a link that can be shared.
func (s *scheduler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	d := s.answer(r.Context(), r.URL.Query())
	var buf bytes.Buffer
	if err := schedulerPage.Execute(&buf, d); err != nil {
		s.log.Error("scheduling page", "err", err)
		http.Error(w, "the page could not be drawn", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// The page has nothing from elsewhere; say so to the browser too.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
	w.Header().Set("Cache-Control", "no-store") // free/busy is not for shared caches
	w.Write(buf.Bytes())
}

// answer reads the form and, when it names attendees, asks for them.
func (s *scheduler) answer(ctx context.Context, q map[string][]string) pageData {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	now := s.now().In(s.loc)
	d := pageData{Zone: s.loc.String(), Style: template.CSS(grid.Style),
		Form: pageForm{From: s.from, Start: nextMonday(now).Format(time.DateOnly), Days: 5, Minutes: 60}}
	if v := get("from"); v != "" {
		d.Form.From = v
	}
	if v := get("start"); v != "" {
		d.Form.Start = v
	}
	d.Form.Attendees = get("attendees")
	atoi := func(name, v string, lo, hi int, into *int) {
		if v == "" {
			return
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			d.Errors = append(d.Errors, fmt.Sprintf("%s: want a whole number from %d to %d, not %q", name, lo, hi, v))
			return
		}
		*into = n
	}
	atoi("Days", get("days"), 1, 42, &d.Form.Days)
	atoi("Meeting length", get("minutes"), 15, 480, &d.Form.Minutes)
	attendees := strings.FieldsFunc(d.Form.Attendees, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
	if len(attendees) == 0 {
		return d // the empty form
	}
	d.Asked = true
	if len(attendees) > maxPageAttendees {
		d.Errors = append(d.Errors, fmt.Sprintf("Attendees: at most %d, not %d", maxPageAttendees, len(attendees)))
	}
	if d.Form.From == "" {
		d.Errors = append(d.Errors, "From: give your own address")
	}
	start, err := time.ParseInLocation(time.DateOnly, d.Form.Start, s.loc)
	if err != nil {
		d.Errors = append(d.Errors, fmt.Sprintf("First day: want a date like 2026-11-30, not %q", d.Form.Start))
	}
	if len(d.Errors) > 0 {
		return d
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	query := federation.Query{From: d.Form.From, Attendees: attendees, Start: start, End: start.AddDate(0, 0, d.Form.Days),
		Location: s.loc, View: ews.ViewDetailedMerged, MergedInterval: grid.Interval}
	res, err := s.client.Availability(ctx, query)
	if err != nil {
		d.Errors = append(d.Errors, err.Error())
		return d
	}
	title := fmt.Sprintf("%s to %s", start.Format("Mon 2 Jan 2006"), query.End.AddDate(0, 0, -1).Format("Mon 2 Jan 2006"))
	var g bytes.Buffer
	if err := grid.WriteBody(&g, []*grid.Grid{grid.New(title, start, d.Form.Days, res)}); err != nil {
		d.Errors = append(d.Errors, err.Error())
		return d
	}
	d.Grid = template.HTML(g.String()) // html/template's own escaped output
	d.Suggestions, err = bestTimes(res, query, time.Duration(d.Form.Minutes)*time.Minute)
	if err != nil {
		d.Errors = append(d.Errors, "Suggestions: "+err.Error())
	}
	return d
}

// maxPageSuggestions is how many meeting times the page lists.
const maxPageSuggestions = 8

// bestTimes rates meeting times for everyone in res together
// (federation.Result.Suggest) within the hours the grid shows, day by day,
// and returns the best, best quality first, then earliest. Partners rarely
// share working hours across organizations, so the grid's hours stand in
// for them.
func bestTimes(res *federation.Result, q federation.Query, length time.Duration) ([]pageSuggestion, error) {
	var all []calendar.Suggestion
	for day := q.Start; day.Before(q.End); day = day.AddDate(0, 0, 1) {
		from := time.Date(day.Year(), day.Month(), day.Day(), grid.FirstHour, 0, 0, 0, q.Location)
		days, err := res.Suggest(calendar.SuggestionOptions{Start: from, End: from.Add(grid.Hours * time.Hour), Location: q.Location,
			Duration: length, MaxResultsPerDay: 3, MaxNonWorkHourResultsPerDay: 3, MinQuality: calendar.Fair})
		if err != nil {
			return nil, err
		}
		for _, d := range days {
			all = append(all, d.Suggestions...)
		}
	}
	// Quality is ordered Excellent first (calendar.Quality's zero value is
	// Poor, the worst); keep chronological order within a quality.
	best := make([]calendar.Suggestion, 0, len(all))
	for _, want := range []calendar.Quality{calendar.Excellent, calendar.Good, calendar.Fair} {
		for _, s := range all {
			if s.Quality == want {
				best = append(best, s)
			}
		}
	}
	var out []pageSuggestion
	for _, s := range best[:min(len(best), maxPageSuggestions)] {
		p := pageSuggestion{Quality: s.Quality.String(),
			When: fmt.Sprintf("%s–%s", s.Start.In(q.Location).Format("Mon 2 Jan 15:04"), s.Start.Add(length).In(q.Location).Format("15:04"))}
		for i, b := range s.Status {
			if b == calendar.Busy || b == calendar.Tentative || b == calendar.OOF {
				p.Busy = append(p.Busy, fmt.Sprintf("%s (%s)", res.Attendees[i].Address, b))
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// schedulerPage is the whole page: no scripts, no assets from elsewhere,
// a plain form that works with the keyboard alone.
var schedulerPage = template.Must(template.New("scheduler").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Find a time — fedavail</title>
<style>{{.Style}}
form{display:grid;grid-template-columns:minmax(8em,max-content) minmax(0,32em);gap:.5em 1em;align-items:start;margin-bottom:1.5em}
label{padding-top:.3em}
input,textarea,button{font:inherit;padding:.3em;max-width:100%;box-sizing:border-box}
input,textarea{width:100%}
textarea{width:100%;min-height:5em}
button{grid-column:2;justify-self:start;padding:.4em 1.2em}
:focus-visible{outline:3px solid #4a7fd4;outline-offset:1px}
.errors{color:#a00}
@media (max-width:560px){body{margin:.5em}form{grid-template-columns:minmax(0,1fr)}button{grid-column:1}}
</style></head><body>
<main>
<h1>Find a time</h1>
<form method="get" action="/" aria-describedby="zone">
<label for="from">From</label>
<input id="from" name="from" type="email" value="{{.Form.From}}" required autocomplete="email">
<label for="attendees">Attendees</label>
<textarea id="attendees" name="attendees" required autofocus placeholder="bob@fabrikam.com, carol@northwind.com" aria-describedby="attendees-hint">{{.Form.Attendees}}</textarea>
<label for="start">First day</label>
<input id="start" name="start" type="date" value="{{.Form.Start}}" required>
<label for="days">Days</label>
<input id="days" name="days" type="number" min="1" max="42" value="{{.Form.Days}}" required>
<label for="minutes">Meeting length (minutes)</label>
<input id="minutes" name="minutes" type="number" min="15" max="480" step="15" value="{{.Form.Minutes}}" required>
<button id="ask" type="submit">Show availability</button>
</form>
<p id="attendees-hint">Addresses in partner organizations, separated by commas or new lines.</p>
<p id="zone">Times are in {{.Zone}}.</p>
{{if .Errors}}<div class="errors" role="alert"><h2>Could not ask</h2><ul>{{range .Errors}}<li>{{.}}</li>{{end}}</ul></div>{{end}}
{{if and .Asked (not .Errors)}}
<section id="results" aria-live="polite">
<h2>Best common free times</h2>
{{if .Suggestions}}<ol id="suggestions">{{range .Suggestions}}<li><strong>{{.When}}</strong> — {{.Quality}}{{if .Busy}}; busy: {{range $i, $b := .Busy}}{{if $i}}, {{end}}{{$b}}{{end}}{{end}}</li>{{end}}</ol>
{{else}}<p id="suggestions">No time in these days suits enough of the attendees.</p>{{end}}
{{.Grid}}
</section>
{{end}}
</main>
</body></html>
`))

// serve answers the scheduling page at o.serve until ctx ends.
func (a *app) serve(ctx context.Context, o *options, client *federation.Client, now func() time.Time, stderr io.Writer) int {
	ln, err := net.Listen("tcp", o.serve)
	if err != nil {
		fmt.Fprintln(stderr, "freebusy: -serve:", err)
		return exitUsage
	}
	s := &scheduler{client: client, from: o.from, loc: o.start.Location(), timeout: o.timeout, now: now,
		log: slog.New(slog.NewTextHandler(stderr, nil))}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: o.timeout + 30*time.Second, IdleTimeout: 2 * time.Minute}
	if !isLoopback(ln.Addr()) {
		fmt.Fprintln(stderr, "freebusy: warning: the page has no sign-in and asks as whatever From address is typed; "+
			"serve it on a loopback address or behind your organization's sign-in proxy")
	}
	fmt.Fprintf(stderr, "freebusy: scheduling page at http://%s/ (Ctrl-C stops)\n", ln.Addr())
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(stderr, "freebusy:", err)
		return exitNoData
	}
	return exitOK
}

func isLoopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}
