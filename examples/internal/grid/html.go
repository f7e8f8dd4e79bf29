package grid

import (
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/fedavail/fedavail/ews"
)

// Style is the style sheet of the grids, for a page that embeds them with
// WriteBody. It is inline so that the page needs nothing from elsewhere.
const Style = `body{font-family:system-ui,sans-serif;margin:1em 2em;color:#222}
table{border-collapse:collapse}
.scroll{overflow-x:auto;margin-bottom:2.5em;max-width:100%}
.scroll:focus{outline:2px solid #4a7fd4}
th,td{padding:2px 4px;font-size:13px}
th.day{border-left:2px solid #999}
td.cell{min-width:14px;width:18px;height:18px;border:1px solid #ddd}
td.first{border-left:2px solid #999}
td.free{background:#fff}td.tentative{background:repeating-linear-gradient(45deg,#4a7fd4 0 3px,#fff 3px 6px)}
td.busy{background:#4a7fd4}td.oof{background:#8b3fa8}td.workingelsewhere{background:repeating-linear-gradient(90deg,#7bb37b 0 3px,#fff 3px 6px)}
td.nodata{background:#eee}
th.name{white-space:nowrap;padding-right:1em;text-align:left;font-weight:normal;position:sticky;left:0;background:#fff}
td.note{color:#555;padding-left:1em;white-space:nowrap}
ul{margin:0 0 0 1em;padding:0;font-size:13px}
.legend span{display:inline-block;width:14px;height:14px;border:1px solid #ccc;vertical-align:middle;margin:0 4px 0 12px}
`

var funcs = template.FuncMap{
	"class": func(b ews.BusyType) string { return strings.ToLower(string(b)) },
	"day":   func(t time.Time, d int) string { return t.AddDate(0, 0, d).Format("Mon 2 Jan") },
	"hour":  func(h int) string { return fmt.Sprintf("%02d", FirstHour+h) },
	"hours": func() int { return Hours },
	"add":   func(a, b int) int { return a + b },
	"mul":   func(a, b int) int { return a * b },
	"seq": func(n int) []int {
		s := make([]int, n)
		for i := range s {
			s[i] = i
		}
		return s
	},
}

// body is the legend and a table per grid. Each table scrolls sideways in
// its own focusable region, so a narrow window and a keyboard can read it;
// the attendee's name stays in view.
var body = template.Must(template.New("body").Funcs(funcs).Parse(`<p class="legend">
<span style="background:#fff"></span>free
<span style="background:repeating-linear-gradient(45deg,#4a7fd4 0 3px,#fff 3px 6px)"></span>tentative
<span style="background:#4a7fd4"></span>busy
<span style="background:#8b3fa8"></span>out of office
<span style="background:repeating-linear-gradient(90deg,#7bb37b 0 3px,#fff 3px 6px)"></span>working elsewhere
<span style="background:#eee"></span>no data</p>
{{range .}}{{$g := .}}
<h2>{{.Title}}</h2>
<div class="scroll" tabindex="0" role="region" aria-label="{{.Title}}">
<table>
<tr><th></th>{{range seq $g.Days}}<th class="day" colspan="{{hours}}">{{day $g.Start .}}</th>{{end}}<th></th></tr>
<tr><th></th>{{range seq $g.Days}}{{range seq hours}}<th>{{hour .}}</th>{{end}}{{end}}<th></th></tr>
{{range .Rows}}{{$r := .}}
<tr data-attendee="{{.Attendee}}"><th scope="row" class="name">{{.Attendee}}</th>
{{if .NoData}}<td colspan="{{mul $g.Days hours}}" class="note">{{.Note}}</td>
{{else}}{{range $d := seq $g.Days}}{{range $i, $b := $r.Day $d}}<td class="cell {{class $b}}{{if eq $i 0}} first{{end}}" title="{{$b}}"></td>{{end}}{{end}}<td class="note">{{.Note}}</td>{{end}}
</tr>
{{if .Items}}<tr><td></td><td colspan="{{add (mul $g.Days hours) 1}}"><ul>{{range .Items}}<li>{{.}}</li>{{end}}</ul></td></tr>{{end}}
{{end}}
</table>
</div>
{{end}}`))

// page is the HTML page: the same grids as Text, with colours.
var page = template.Must(template.Must(body.Clone()).New("page").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{.Title}}</title>
<style>{{.Style}}</style></head><body>
<h1>Free/busy across organizations</h1>
{{template "body" .Grids}}
</body></html>
`))

// WriteBody writes the legend and grids' tables, for a page of the
// caller's that includes Style.
func WriteBody(w io.Writer, grids []*Grid) error { return body.Execute(w, grids) }

// Day returns the cells of day d, for the page template.
func (r Row) Day(d int) []ews.BusyType { return r.day(d) }

// WriteHTML writes grids as one HTML page titled title.
func WriteHTML(w io.Writer, title string, grids []*Grid) error {
	return page.Execute(w, struct {
		Title string
		Style template.CSS
		Grids []*Grid
	}{title, template.CSS(Style), grids})
}
