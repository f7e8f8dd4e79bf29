package main

import (
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/fedavail/fedavail/ews"
)

// page is the HTML page: the same grids as the terminal shows, with colours.
var page = template.Must(template.New("page").Funcs(template.FuncMap{
	"class":  func(b ews.BusyType) string { return strings.ToLower(string(b)) },
	"symbol": symbol,
	"day":    func(t time.Time, d int) string { return t.AddDate(0, 0, d).Format("Mon 2 Jan") },
	"hour":   func(h int) string { return fmt.Sprintf("%02d", firstHour+h) },
	"cells": func(r htmlRow, d int) []ews.BusyType {
		return r.row.cells[d*hours : (d+1)*hours]
	},
	"seq": func(n int) []int {
		s := make([]int, n)
		for i := range s {
			s[i] = i
		}
		return s
	},
	"nodata": func(r htmlRow) bool { return strings.HasPrefix(r.Note, "no data") },
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>fedavail quickstart: free/busy across organizations</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin-bottom:2.5em}
th,td{padding:2px 4px;font-size:13px}
th.day{border-left:2px solid #999}
td.cell{width:18px;height:18px;border:1px solid #ddd}
td.first{border-left:2px solid #999}
td.free{background:#fff}td.tentative{background:repeating-linear-gradient(45deg,#4a7fd4 0 3px,#fff 3px 6px)}
td.busy{background:#4a7fd4}td.oof{background:#8b3fa8}td.workingelsewhere{background:repeating-linear-gradient(90deg,#7bb37b 0 3px,#fff 3px 6px)}
td.nodata{background:#eee}
td.name{white-space:nowrap;padding-right:1em}
td.note{color:#666;padding-left:1em;white-space:nowrap}
ul{margin:0 0 0 1em;padding:0;font-size:13px}
.legend span{display:inline-block;width:14px;height:14px;border:1px solid #ccc;vertical-align:middle;margin:0 4px 0 12px}
</style></head><body>
<h1>Free/busy across organizations</h1>
<p class="legend">
<span style="background:#fff"></span>free
<span style="background:repeating-linear-gradient(45deg,#4a7fd4 0 3px,#fff 3px 6px)"></span>tentative
<span style="background:#4a7fd4"></span>busy
<span style="background:#8b3fa8"></span>out of office
<span style="background:repeating-linear-gradient(90deg,#7bb37b 0 3px,#fff 3px 6px)"></span>working elsewhere
<span style="background:#eee"></span>no data</p>
{{range .}}{{$g := .}}
<h2>{{.Title}}</h2>
<table>
<tr><th></th>{{range seq 5}}<th class="day" colspan="10">{{day $g.Monday .}}</th>{{end}}<th></th></tr>
<tr><th></th>{{range seq 5}}{{range seq 10}}<th>{{hour .}}</th>{{end}}{{end}}<th></th></tr>
{{range .Rows}}{{$r := .}}
<tr><td class="name">{{.Attendee}}</td>
{{if nodata .}}<td colspan="50" class="note">{{.Note}}</td>
{{else}}{{range $d := seq 5}}{{range $i, $b := cells $r $d}}<td class="cell {{class $b}}{{if eq $i 0}} first{{end}}" title="{{$b}}"></td>{{end}}{{end}}<td class="note">{{.Note}}</td>{{end}}
</tr>
{{if .Items}}<tr><td></td><td colspan="51"><ul>{{range .Items}}<li>{{.}}</li>{{end}}</ul></td></tr>{{end}}
{{end}}
</table>
{{end}}
</body></html>
`))

// htmlGrid is a grid with exported fields, for the template.
type htmlGrid struct {
	Title  string
	Monday time.Time
	Rows   []htmlRow
}

type htmlRow struct {
	Attendee, Note string
	Items          []string
	row            row
}

func writeHTML(w io.Writer, grids []*grid) error {
	var data []htmlGrid
	for _, g := range grids {
		hg := htmlGrid{Title: g.title, Monday: g.monday}
		for _, r := range g.rows {
			hg.Rows = append(hg.Rows, htmlRow{Attendee: r.attendee, Note: r.note, Items: r.items, row: r})
		}
		data = append(data, hg)
	}
	return page.Execute(w, data)
}
