package ews

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// ErrTimeZone is wrapped by the errors of [SerializableTimeZone.Location].
var ErrTimeZone = errors.New("ews: unusable time zone")

// Location returns the zone as a *time.Location named name, usable with
// time.Date and Time.In for any year. Rules that cannot be followed (a month
// of 13, a day named "Someday") are a wrapped [ErrTimeZone].
//
// The location is built as a TZif file with no transitions and a POSIX TZ
// rule ("<+01>-1<+02>,M3.5.0/2,M10.5.0/3"), which Go applies to every year;
// this is the same mechanism the zone database uses for future years.
func (z *SerializableTimeZone) Location(name string) (*time.Location, error) {
	rule, std, err := z.posixRule()
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocationFromTZData(name, tzif(std, rule))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTimeZone, err)
	}
	return loc, nil
}

// posixRule renders z as a POSIX TZ string and returns the standard offset.
func (z *SerializableTimeZone) posixRule() (string, int, error) {
	if z.Bias < -24*60 || z.Bias > 24*60 {
		return "", 0, fmt.Errorf("%w: bias %d minutes", ErrTimeZone, z.Bias)
	}
	if !z.HasDST() {
		off := -z.Bias * 60
		return posixName(off) + posixOffset(off), off, nil
	}
	std := -(z.Bias + z.StandardTime.Bias) * 60
	dst := -(z.Bias + z.DaylightTime.Bias) * 60
	if std < -26*3600 || std > 26*3600 || dst < -26*3600 || dst > 26*3600 {
		return "", 0, fmt.Errorf("%w: offsets out of range", ErrTimeZone)
	}
	start, err := posixDate(z.DaylightTime)
	if err != nil {
		return "", 0, err
	}
	end, err := posixDate(z.StandardTime)
	if err != nil {
		return "", 0, err
	}
	return posixName(std) + posixOffset(std) + posixName(dst) + posixOffset(dst) + "," + start + "," + end, std, nil
}

// posixName is a quoted abbreviation like "<+0530>".
func posixName(off int) string {
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("<%c%02d%02d>", sign, off/3600, off/60%60)
}

// posixOffset is POSIX's offset, positive west of Greenwich.
func posixOffset(off int) string {
	off = -off
	sign := ""
	if off < 0 {
		sign, off = "-", -off
	}
	return fmt.Sprintf("%s%d:%02d:%02d", sign, off/3600, off/60%60, off%60)
}

// posixDate renders a rule as "Mm.w.d/hh:mm:ss".
func posixDate(r TimeZoneTime) (string, error) {
	wd, ok := parseWeekday(r.DayOfWeek)
	secs, ok2 := parseClock(r.Time)
	if !ok || !ok2 || r.Month < 1 || r.Month > 12 || r.DayOrder < 1 || r.DayOrder > 5 {
		return "", fmt.Errorf("%w: transition rule %+v", ErrTimeZone, r)
	}
	return fmt.Sprintf("M%d.%d.%d/%d:%02d:%02d", r.Month, r.DayOrder, int(wd), secs/3600, secs/60%60, secs%60), nil
}

// tzif builds a version 2 TZif file with one local time type (the standard
// offset), no transitions and the POSIX rule as footer. Go's loader uses
// the footer for every instant after the (absent) last transition.
func tzif(std int, rule string) []byte {
	abbr := strings.Trim(posixName(std), "<>") + "\x00"
	header := func(b []byte) []byte {
		b = append(b, "TZif2"...)
		b = append(b, make([]byte, 15)...)
		for _, n := range []uint32{0, 0, 0, 0, 1, uint32(len(abbr))} { // isut, isstd, leap, time, type, char
			b = binary.BigEndian.AppendUint32(b, n)
		}
		return b
	}
	data := func(b []byte) []byte {
		b = binary.BigEndian.AppendUint32(b, uint32(int32(std)))
		b = append(b, 0, 0) // isdst, abbreviation index
		return append(b, abbr...)
	}
	var b []byte
	b = data(header(b)) // version 1 part, read past by Go
	b = data(header(b)) // version 2 part
	b = append(b, '\n')
	b = append(b, rule...)
	return append(b, '\n')
}

// fixedZones caches the fixed-offset locations of parsed timestamps so that
// decoding thousands of "-07:00" times allocates one location, not thousands.
var fixedZones sync.Map // int → *time.Location

func fixedZone(off int) *time.Location {
	if l, ok := fixedZones.Load(off); ok {
		return l.(*time.Location)
	}
	l, _ := fixedZones.LoadOrStore(off, time.FixedZone("", off))
	return l.(*time.Location)
}
