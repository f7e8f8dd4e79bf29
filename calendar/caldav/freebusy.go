package caldav

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

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
		// The calendar package reads VFREEBUSY as it reads VEVENTs.
		evs, err := s.parseFreeBusy(data, start, end)
		if err != nil {
			return nil, fmt.Errorf("caldav: free-busy-query on %s: %w", c.Path, err)
		}
		out = append(out, evs...)
	}
	return out, nil
}

// parseFreeBusy reads a free-busy-query answer; its periods are items
// without details (FBTYPE BUSY-TENTATIVE is Tentative, BUSY-UNAVAILABLE
// OOF, FREE left out, as package calendar reads VFREEBUSY).
func (s *Source) parseFreeBusy(data []byte, start, end time.Time) (_ []calendar.Event, err error) {
	defer recoverParse(&err)
	return calendar.ParseICS(data, s.cfg.Location, start, end)
}

// recoverParse turns a panic of go-ical on hostile input (it has some) into
// a *calendar.ParseError.
func recoverParse(err *error) {
	if r := recover(); r != nil {
		*err = &calendar.ParseError{Err: fmt.Errorf("invalid iCalendar data (%v)", r)}
	}
}
