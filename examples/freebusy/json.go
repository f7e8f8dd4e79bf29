package main

import (
	"encoding/json"
	"errors"
	"io"
	"time"

	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/examples/internal/grid"
	"github.com/fedavail/fedavail/federation"
)

// answer is the -json output: the query and one entry per attendee.
type answer struct {
	From      string     `json:"from"`
	Start     time.Time  `json:"start"`
	End       time.Time  `json:"end"`
	TimeZone  string     `json:"timeZone"`
	View      string     `json:"view"`
	Attendees []attendee `json:"attendees"`
}

// attendee is one attendee's availability, or why there is none.
type attendee struct {
	Address string `json:"address"`
	// Error is set when nothing came back.
	Error *attendeeError `json:"error,omitempty"`
	// Partner says how the attendee's organization was reached.
	Partner *partner `json:"partner,omitempty"`
	View    string   `json:"view,omitempty"`
	// Busy are the merged slots that are not free, runs of one busy type
	// joined: a compact picture of the window.
	Busy   []period `json:"busy,omitempty"`
	Events []event  `json:"events,omitempty"`
}

type attendeeError struct {
	Step    string `json:"step"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

type partner struct {
	Relationship   string `json:"relationship"`
	ApplicationURI string `json:"applicationUri,omitempty"`
	EWSURL         string `json:"ewsUrl,omitempty"`
}

type period struct {
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	BusyType string    `json:"busyType"`
}

type event struct {
	period
	Subject  string `json:"subject,omitempty"`
	Location string `json:"location,omitempty"`
	Private  bool   `json:"private,omitempty"`
}

func writeJSON(w io.Writer, q federation.Query, res *federation.Result) error {
	loc := q.Location
	out := answer{From: q.From, Start: q.Start, End: q.End, TimeZone: loc.String(), View: string(q.View)}
	for _, a := range res.Attendees {
		at := attendee{Address: a.Address}
		if a.Partner != nil {
			at.Partner = &partner{Relationship: a.Partner.Relationship, ApplicationURI: a.Partner.ApplicationURI, EWSURL: a.Partner.EWSURL}
		}
		if a.Err != nil {
			at.Error = &attendeeError{Reason: grid.Explain(a.Err), Message: a.Err.Error()}
			var ae *federation.AttendeeError
			if errors.As(a.Err, &ae) {
				at.Error.Step = string(ae.Step)
			}
			out.Attendees = append(out.Attendees, at)
			continue
		}
		at.View = string(a.View)
		at.Busy = busy(a.Merged, loc)
		for _, e := range a.Events {
			ev := event{period: period{Start: e.Start.In(loc), End: e.End.In(loc), BusyType: string(e.BusyType)}}
			if d := e.Details; d != nil {
				ev.Subject, ev.Location, ev.Private = d.Subject, d.Location, d.IsPrivate
			}
			at.Events = append(at.Events, ev)
		}
		out.Attendees = append(out.Attendees, at)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// busy joins the slots that are not free into periods of one busy type.
func busy(slots []ews.Slot, loc *time.Location) []period {
	var out []period
	for _, s := range slots {
		if s.BusyType == ews.Free {
			continue
		}
		if n := len(out); n > 0 && out[n-1].BusyType == string(s.BusyType) && out[n-1].End.Equal(s.Start) {
			out[n-1].End = s.End.In(loc)
			continue
		}
		out = append(out, period{Start: s.Start.In(loc), End: s.End.In(loc), BusyType: string(s.BusyType)})
	}
	return out
}
