package caldav

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/emersion/go-ical"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/calendar"
)

// errNoFreeBusyQuery says the server does not implement free-busy-query.
var errNoFreeBusyQuery = errors.New("caldav: the server has no free-busy-query report")

const icsUTC = "20060102T150405Z"

// freeBusy asks each collection for a CALDAV:free-busy-query report (RFC
// 4791 §7.10): busy periods only, never the items. Transparent and
// cancelled items are the server's to leave out.
func (s *Source) freeBusy(ctx context.Context, d *doer, cals []collection, start, end time.Time) ([]calendar.Event, error) {
	var out []calendar.Event
	body := fmt.Sprintf(`<?xml version="1.0" encoding="utf-8"?><C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:time-range start="%s" end="%s"/></C:free-busy-query>`,
		start.UTC().Format(icsUTC), end.UTC().Format(icsUTC))
	for _, c := range cals {
		u := s.base.ResolveReference(urlPath(c.Path))
		req, err := http.NewRequestWithContext(ctx, "REPORT", u.String(), strings.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", `application/xml; charset="utf-8"`)
		req.Header.Set("Depth", "1")
		resp, err := d.Do(req)
		var he *fedavail.HTTPError
		if errors.As(err, &he) {
			switch he.StatusCode {
			case http.StatusBadRequest, http.StatusMethodNotAllowed, http.StatusUnsupportedMediaType, http.StatusNotImplemented:
				return nil, errNoFreeBusyQuery
			}
		}
		if err != nil {
			return nil, fmt.Errorf("caldav: free-busy-query on %s: %w", c.Path, err)
		}
		data, _ := io.ReadAll(resp.Body) // already in memory
		switch ct := resp.Header.Get("Content-Type"); {
		case mediaType(ct) == "text/calendar" && resp.StatusCode == http.StatusOK:
		case isXML(ct) || resp.StatusCode == http.StatusMultiStatus:
			// A multistatus of objects: a server that took the report for
			// another one (Radicale before 3.2 does).
			return nil, errNoFreeBusyQuery
		default:
			return nil, &ContentTypeError{Method: "REPORT", URL: u.Redacted(), Got: ct, Want: "text/calendar"}
		}
		evs, err := ParseFreeBusy(data, s.cfg.Location)
		if err != nil {
			return nil, fmt.Errorf("caldav: free-busy-query on %s: %w", c.Path, err)
		}
		for _, e := range evs {
			if e.Overlaps(start, end) {
				out = append(out, e)
			}
		}
	}
	return out, nil
}

// ParseFreeBusy reads the VFREEBUSY components of an iCalendar stream (the
// answer to a free-busy-query) into items without details: FBTYPE BUSY (the
// default) is Busy, BUSY-TENTATIVE Tentative, BUSY-UNAVAILABLE OOF (as
// Exchange exports OOF), FREE is left out. floating is the zone of periods
// without "Z" (nil means UTC). Errors are *calendar.ParseError.
func ParseFreeBusy(data []byte, floating *time.Location) (out []calendar.Event, err error) {
	defer recoverParse(&err)
	if floating == nil {
		floating = time.UTC
	}
	cal, err := ical.NewDecoder(bytes.NewReader(data)).Decode()
	if err != nil {
		return nil, &calendar.ParseError{Err: err}
	}
	for _, comp := range cal.Children {
		if comp.Name != "VFREEBUSY" {
			continue
		}
		for _, p := range comp.Props["FREEBUSY"] {
			var bt calendar.BusyType
			switch strings.ToUpper(p.Params.Get("FBTYPE")) {
			case "", "BUSY":
				bt = calendar.Busy
			case "BUSY-TENTATIVE":
				bt = calendar.Tentative
			case "BUSY-UNAVAILABLE":
				bt = calendar.OOF
			case "FREE":
				continue
			default: // x-name or iana-token: RFC 5545 says treat as BUSY
				bt = calendar.Busy
			}
			for _, period := range strings.Split(p.Value, ",") {
				st, en, err := parsePeriod(strings.TrimSpace(period), floating)
				if err != nil {
					return nil, &calendar.ParseError{Err: err}
				}
				out = append(out, calendar.Event{Start: st, End: en, BusyType: bt})
			}
		}
	}
	return out, nil
}

// maxPeriod bounds one free/busy period: a server claiming a longer one is
// lying, and arithmetic on it would overflow.
const maxPeriod = 10 * 366 * 24 * time.Hour

// parsePeriod reads an RFC 5545 PERIOD: start/end or start/duration.
func parsePeriod(v string, floating *time.Location) (time.Time, time.Time, error) {
	a, b, ok := strings.Cut(v, "/")
	if !ok {
		return time.Time{}, time.Time{}, fmt.Errorf("free/busy period %q has no '/'", v)
	}
	st, err := parseDateTime(a, floating)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	var en time.Time
	if strings.HasPrefix(strings.TrimLeft(b, "+-"), "P") {
		dur, err := (&ical.Prop{Name: ical.PropDuration, Params: ical.Params{}, Value: b}).Duration()
		if err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("free/busy period %q: %w", v, err)
		}
		if dur < 0 || dur > maxPeriod {
			return time.Time{}, time.Time{}, fmt.Errorf("free/busy period %q: duration out of range", v)
		}
		en = st.Add(dur)
	} else if en, err = parseDateTime(b, floating); err != nil {
		return time.Time{}, time.Time{}, err
	}
	if en.Before(st) || en.Sub(st) > maxPeriod {
		return time.Time{}, time.Time{}, fmt.Errorf("free/busy period %q ends before it starts or is too long", v)
	}
	return st, en, nil
}

func parseDateTime(v string, floating *time.Location) (time.Time, error) {
	if t, err := time.Parse(icsUTC, v); err == nil {
		return t, nil
	}
	t, err := time.ParseInLocation("20060102T150405", v, floating)
	if err != nil {
		return time.Time{}, fmt.Errorf("free/busy time %q is not an iCalendar date-time", v)
	}
	return t, nil
}

// recoverParse turns a panic of go-ical on hostile input (it has some) into
// a *calendar.ParseError.
func recoverParse(err *error) {
	if r := recover(); r != nil {
		*err = &calendar.ParseError{Err: fmt.Errorf("invalid iCalendar data (%v)", r)}
	}
}
