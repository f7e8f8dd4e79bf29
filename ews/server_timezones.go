package ews

import (
	"encoding/xml"
	"fmt"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/winzones"
)

// timeZoneContext is the t:TimeZoneContext request header: the zone that
// Outlook and EWS Managed API clients send instead of a TimeZone element.
type timeZoneContext struct {
	Definition TimeZoneDefinition `xml:"TimeZoneDefinition"`
}

// requestLocation returns the zone of a request's floating times and of its
// answer: the TimeZoneContext header's Windows zone unless it is UTC, else
// the body's TimeZone, else the header's zone or UTC.
func (h *Handler) requestLocation(req *request, tz *SerializableTimeZone) (*time.Location, *fedavail.Fault) {
	// A TimeZoneContext header other than UTC wins over the body's
	// TimeZone (GetUserAvailability.Execute); a UTC one gives way to it.
	if hdr := req.msg.Header(TypesNS, "TimeZoneContext"); hdr != nil {
		z, fault := h.contextZone(hdr)
		if fault != nil {
			return nil, fault
		}
		if !z.utc || tz == nil {
			return z.loc, nil
		}
	}
	if tz != nil {
		loc, err := h.requestZone(*tz)
		if err != nil {
			return nil, clientFault(ErrorTimeZone, "The request's TimeZone cannot be used.")
		}
		return loc, nil
	}
	return time.UTC, nil
}

// maxRequestZones bounds the cache of request zones, which clients choose,
// and the cache of TimeZoneContext headers.
const maxRequestZones = 256

// maxContextKey bounds the size of a TimeZoneContext header the handler
// caches: Exchange's, with a full definition, is about 1 KB.
const maxContextKey = 8 << 10

// contextZone is what a TimeZoneContext header says.
type contextZone struct {
	loc *time.Location
	utc bool // the definition's ID is "UTC"
}

// contextZone decodes a TimeZoneContext header, through a cache keyed by
// the header as it parses on its own: a client sends the same header with
// every request, and encoding/xml costs a fifth of a warm request.
func (h *Handler) contextZone(hdr *soap.Element) (contextZone, *fedavail.Fault) {
	key := hdr.Standalone()
	h.zoneMu.RLock()
	z, ok := h.contextZones[string(key)]
	h.zoneMu.RUnlock()
	if ok {
		return z, nil
	}
	var c timeZoneContext
	if err := xml.Unmarshal(key, &c); err != nil {
		return contextZone{}, clientFault(ErrorSchemaValidation, "The TimeZoneContext header is not valid.")
	}
	loc, err := LoadWindowsLocation(c.Definition.ID)
	if err != nil {
		return contextZone{}, clientFault(ErrorTimeZone, fmt.Sprintf("The time zone %q is not known.", c.Definition.ID))
	}
	z = contextZone{loc: loc, utc: c.Definition.ID == "UTC"}
	if len(key) <= maxContextKey {
		h.zoneMu.Lock()
		if len(h.contextZones) < maxRequestZones {
			if h.contextZones == nil {
				h.contextZones = make(map[string]contextZone)
			}
			h.contextZones[string(key)] = z
		}
		h.zoneMu.Unlock()
	}
	return z, nil
}

// requestZone is a cached tz.Location("Request"): a client sends the same
// zone with every request, and building a Location from its rules costs as
// much as decoding the request.
func (h *Handler) requestZone(tz SerializableTimeZone) (*time.Location, error) {
	h.zoneMu.RLock()
	loc, ok := h.requestZones[tz]
	h.zoneMu.RUnlock()
	if ok {
		return loc, nil
	}
	loc, err := tz.Location("Request")
	if err == nil {
		h.zoneMu.Lock()
		if len(h.requestZones) < maxRequestZones {
			if h.requestZones == nil {
				h.requestZones = make(map[SerializableTimeZone]*time.Location)
			}
			h.requestZones[tz] = loc
		}
		h.zoneMu.Unlock()
	}
	return loc, err
}

func (h *Handler) getServerTimeZones(req *request) (any, *fedavail.Fault) {
	in := req.body.timeZones
	if in == nil {
		return nil, clientFault(ErrorInvalidRequest, "The body is not a GetServerTimeZones request.")
	}
	full := in.ReturnFullTimeZoneData == nil || *in.ReturnFullTimeZoneData
	all := h.timeZoneDefinitions(h.cfg.Now().Year())
	msg := GetServerTimeZonesResponseMessage{ResponseMessage: ResponseMessage{ResponseClass: Success, ResponseCode: NoError}}
	pick := all
	if in.IDs != nil {
		pick = nil
		for _, id := range in.IDs.IDs {
			d, ok := findDefinition(all, id)
			if !ok {
				// Exchange fails the whole message for an unknown ID.
				msg.ResponseMessage = ResponseMessage{ResponseClass: Error, ResponseCode: ErrorTimeZone, MessageText: fmt.Sprintf("The time zone %q is not known.", id)}
				pick = nil
				break
			}
			pick = append(pick, d)
		}
	}
	for _, d := range pick {
		if !full {
			d = TimeZoneDefinition{ID: d.ID, Name: d.Name}
		}
		msg.Definitions.Definitions = append(msg.Definitions.Definitions, d)
	}
	return &GetServerTimeZonesResponse{Messages: []GetServerTimeZonesResponseMessage{msg}}, nil
}

func findDefinition(defs []TimeZoneDefinition, id string) (TimeZoneDefinition, bool) {
	for _, d := range defs {
		if d.ID == id {
			return d, true
		}
	}
	return TimeZoneDefinition{}, false
}

// timeZoneDefinitions returns every Windows zone's definition under the
// rules of the given year, computed once per year and handler.
func (h *Handler) timeZoneDefinitions(year int) []TimeZoneDefinition {
	h.zonesMu.Lock()
	defer h.zonesMu.Unlock()
	if defs, ok := h.zones[year]; ok {
		return defs
	}
	defs := make([]TimeZoneDefinition, 0, len(winzones.Zones))
	for _, z := range winzones.Zones {
		loc, err := time.LoadLocation(z.IANA)
		if err != nil {
			continue // a zone database without this zone: leave it out
		}
		defs = append(defs, definitionFor(z.ID, z.Display, h.timeZoneFor(loc, year), year))
	}
	if h.zones == nil {
		h.zones = map[int][]TimeZoneDefinition{}
	}
	h.zones[year] = defs
	return defs
}

// DefinitionFor describes loc's rules of the given year as an Exchange 2010
// time-zone definition named id: the same rules [TimeZoneFor] gives (so a
// client that compares GetServerTimeZones with the working hours of an
// availability answer finds them consistent), as a standard period, a
// daylight period when the zone has one, and one group of yearly
// transitions that applies from the start.
func DefinitionFor(id, name string, loc *time.Location, year int) TimeZoneDefinition {
	return definitionFor(id, name, TimeZoneFor(loc, year), year)
}

func definitionFor(id, name string, tz SerializableTimeZone, year int) TimeZoneDefinition {
	prefix := "trule:Microsoft/Registry/" + id + "/" + fmt.Sprint(year)
	std := Period{Bias: xsDuration(tz.Bias + tz.StandardTime.Bias), Name: "Standard", ID: prefix + "-Standard"}
	d := TimeZoneDefinition{
		ID: id, Name: name,
		Periods:     &Periods{Periods: []Period{std}},
		Transitions: &Transitions{Items: []Transition{{XMLName: typesName("Transition"), To: TransitionTarget{Kind: "Group", Value: "0"}}}},
	}
	group := Transitions{ID: "0"}
	if tz.HasDST() {
		dlt := Period{Bias: xsDuration(tz.Bias + tz.DaylightTime.Bias), Name: "Daylight", ID: prefix + "-Daylight"}
		d.Periods.Periods = append(d.Periods.Periods, dlt)
		group.Items = []Transition{
			recurringDay(dlt.ID, tz.DaylightTime),
			recurringDay(std.ID, tz.StandardTime),
		}
	} else {
		group.Items = []Transition{{XMLName: typesName("Transition"), To: TransitionTarget{Kind: "Period", Value: std.ID}}}
	}
	d.TransitionsGroups = &TransitionsGroups{Groups: []Transitions{group}}
	return d
}

func recurringDay(to string, r TimeZoneTime) Transition {
	occ := r.DayOrder
	if occ == 5 {
		occ = -1 // SerializableTimeZone's "fifth" is the definition's "last"
	}
	secs, _ := parseClock(r.Time)
	return Transition{
		XMLName:    typesName("RecurringDayTransition"),
		To:         TransitionTarget{Kind: "Period", Value: to},
		TimeOffset: xsDuration(secs / 60),
		Month:      r.Month,
		DayOfWeek:  r.DayOfWeek,
		Occurrence: occ,
	}
}

func typesName(local string) xml.Name { return xml.Name{Space: TypesNS, Local: local} }

// xsDuration writes minutes as an xs:duration ("-PT1H", "PT5H30M", "PT0M").
func xsDuration(minutes int) string {
	sign := ""
	if minutes < 0 {
		sign, minutes = "-", -minutes
	}
	h, m := minutes/60, minutes%60
	switch {
	case h > 0 && m > 0:
		return fmt.Sprintf("%sPT%dH%dM", sign, h, m)
	case h > 0:
		return fmt.Sprintf("%sPT%dH", sign, h)
	}
	return fmt.Sprintf("%sPT%dM", sign, m)
}
