package ews

import (
	"errors"
	"fmt"
	"time"
)

// DateTime is an xs:dateTime as EWS writes it. Exchange sends times both with
// an offset ("2006-10-16T06:00:00-07:00", "…Z") and without one
// ("2006-10-16T06:00:00"), in which case the time is a wall-clock reading in
// the request's time zone. DateTime keeps that distinction so that decoding
// never guesses a zone: [DateTime.In] supplies it.
type DateTime struct {
	// Time is the instant when Floating is false. When Floating is true only
	// its wall-clock fields (year … nanosecond) matter; its location is UTC.
	Time time.Time
	// Floating is true for a time written without an offset.
	Floating bool
}

// At returns t as a DateTime with an offset.
func At(t time.Time) DateTime { return DateTime{Time: t} }

// Wall returns the wall-clock reading of t in loc as a DateTime without an
// offset, the form Microsoft's documentation uses in requests.
func Wall(t time.Time, loc *time.Location) DateTime {
	if loc != nil {
		t = t.In(loc)
	}
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return DateTime{Time: time.Date(y, mo, d, h, mi, s, t.Nanosecond(), time.UTC), Floating: true}
}

// In returns the instant d stands for: d.Time itself, or, for a floating
// time, its wall-clock reading in loc (UTC when loc is nil).
func (d DateTime) In(loc *time.Location) time.Time {
	if !d.Floating {
		return d.Time
	}
	if loc == nil || loc == time.UTC {
		return d.Time
	}
	y, mo, day := d.Time.Date()
	h, mi, s := d.Time.Clock()
	return time.Date(y, mo, day, h, mi, s, d.Time.Nanosecond(), loc)
}

// IsZero reports whether d holds no time.
func (d DateTime) IsZero() bool { return d.Time.IsZero() }

// String returns d in its XML form.
func (d DateTime) String() string {
	b, _ := d.MarshalText()
	return string(b)
}

const (
	floatingLayout = "2006-01-02T15:04:05.999999999"
	offsetLayout   = "2006-01-02T15:04:05.999999999Z07:00"
)

// MarshalText implements encoding.TextMarshaler.
func (d DateTime) MarshalText() ([]byte, error) {
	if d.Floating {
		return d.Time.AppendFormat(make([]byte, 0, 27), floatingLayout), nil
	}
	return d.Time.AppendFormat(make([]byte, 0, 33), offsetLayout), nil
}

// ErrDateTime is wrapped by the errors of [ParseDateTime].
var ErrDateTime = errors.New("ews: malformed xs:dateTime")

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *DateTime) UnmarshalText(b []byte) error {
	v, err := parseDateTime(b)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ParseDateTime parses an xs:dateTime with or without an offset. Surrounding
// white space is ignored, as XML Schema does for this type.
func ParseDateTime(s string) (DateTime, error) { return parseDateTime([]byte(s)) }

// parseDateTime is a hand-written parser: decoding a large free/busy answer
// is dominated by its timestamps, and time.Parse with layouts costs several
// times more.
func parseDateTime(b []byte) (DateTime, error) {
	b = trimSpace(b)
	bad := func() (DateTime, error) {
		return DateTime{}, fmt.Errorf("%w: %q", ErrDateTime, truncate(b, 40))
	}
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != 't') || b[13] != ':' || b[16] != ':' {
		return bad()
	}
	year, ok1 := digits(b[0:4])
	month, ok2 := digits(b[5:7])
	day, ok3 := digits(b[8:10])
	hour, ok4 := digits(b[11:13])
	minute, ok5 := digits(b[14:16])
	sec, ok6 := digits(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 || day > daysIn(time.Month(month), year) || hour > 24 || minute > 59 || sec > 60 {
		return bad()
	}
	rest := b[19:]
	nsec := 0
	if len(rest) > 0 && rest[0] == '.' {
		i := 1
		scale := 100000000
		for ; i < len(rest) && rest[i] >= '0' && rest[i] <= '9'; i++ {
			nsec += int(rest[i]-'0') * scale
			scale /= 10
		}
		if i == 1 {
			return bad()
		}
		rest = rest[i:]
	}
	if hour == 24 { // xs:dateTime allows 24:00:00 for the end of a day
		if minute != 0 || sec != 0 || nsec != 0 {
			return bad()
		}
	}
	if sec == 60 { // a leap second is read as the next second; Go has none
		sec = 59
		nsec = 999999999
	}
	switch {
	case len(rest) == 0:
		return DateTime{Time: time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC), Floating: true}, nil
	case len(rest) == 1 && (rest[0] == 'Z' || rest[0] == 'z'):
		return DateTime{Time: time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)}, nil
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := digits(rest[1:3])
		om, ok2 := digits(rest[4:6])
		if !ok1 || !ok2 || oh > 14 || om > 59 {
			return bad()
		}
		off := oh*3600 + om*60
		if rest[0] == '-' {
			off = -off
		}
		loc := time.UTC
		if off != 0 {
			loc = fixedZone(off)
		}
		return DateTime{Time: time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc)}, nil
	}
	return bad()
}

func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
