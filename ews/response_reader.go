package ews

import (
	"bytes"
	"encoding/xml"
	"iter"
	"strconv"

	"github.com/fedavail/fedavail/internal/xmlscan"
)

// elementReader walks an element tree token by token, the way
// encoding/xml's reflection-driven Unmarshal does, but without reflection
// and with one text buffer reused for every leaf. Its tokens come from an
// *xml.Decoder (inside UnmarshalXML) or from an xmlscan.Reader (the
// client's fast path); both check well-formedness, match end tags and
// resolve namespaces alike, so the hand-written decoders see what
// Unmarshal would see.
//
// The helpers reproduce Unmarshal's rules for the field kinds the wire
// types use (see their doc comments), so a hand-written decoder and the
// struct tags it replaces read any input alike; the differential tests hold
// them to that.
type elementReader struct {
	src tokenSource
	buf []byte
}

// child returns the next child element of the element being read, ignoring
// text, comments and processing instructions. ok is false once the
// element's end tag has been consumed.
func (r *elementReader) child() (start xml.StartElement, ok bool, err error) {
	for {
		kind, start, _, err := r.src.next()
		if err != nil {
			return xml.StartElement{}, false, err
		}
		switch kind {
		case xmlscan.StartElement:
			return start, true, nil
		case xmlscan.EndElement:
			return xml.StartElement{}, false, nil
		}
	}
}

// text reads the rest of the element being read and returns the character
// data directly inside it, skipping nested elements and their text, as
// Unmarshal does for a string, number or TextUnmarshaler field. The result
// is only valid until the next call.
func (r *elementReader) text() ([]byte, error) {
	r.buf = r.buf[:0]
	depth := 0
	for {
		kind, _, text, err := r.src.next()
		if err != nil {
			return nil, err
		}
		switch kind {
		case xmlscan.CharData:
			if depth == 0 {
				r.buf = append(r.buf, text...)
			}
		case xmlscan.StartElement:
			depth++
		case xmlscan.EndElement:
			if depth == 0 {
				return r.buf, nil
			}
			depth--
		}
	}
}

// skip consumes the rest of the element being read.
func (r *elementReader) skip() error {
	for depth := 0; ; {
		kind, _, _, err := r.src.next()
		if err != nil {
			return err
		}
		switch kind {
		case xmlscan.StartElement:
			depth++
		case xmlscan.EndElement:
			if depth == 0 {
				return nil
			}
			depth--
		}
	}
}

// string reads the element's text into a new string.
func (r *elementReader) string() (string, error) {
	b, err := r.text()
	return string(b), err
}

// int reads the element's text as Unmarshal reads an int field: empty is
// zero, surrounding space is ignored.
func (r *elementReader) int() (int, error) {
	b, err := r.text()
	if err != nil || len(b) == 0 {
		return 0, err
	}
	// strconv does not keep its argument, so the conversion does not
	// allocate.
	n, err := strconv.ParseInt(string(bytes.TrimSpace(b)), 10, strconv.IntSize)
	return int(n), err
}

// bool reads the element's text as Unmarshal reads a bool field: empty is
// false, surrounding space is ignored, and strconv.ParseBool decides.
func (r *elementReader) bool() (bool, error) {
	b, err := r.text()
	if err != nil || len(b) == 0 {
		return false, err
	}
	return strconv.ParseBool(string(bytes.TrimSpace(b)))
}

// dateTimeInto reads the element's text into *dst with
// DateTime.UnmarshalText, which leaves *dst alone on error.
func (r *elementReader) dateTimeInto(dst *DateTime) error {
	b, err := r.text()
	if err != nil {
		return err
	}
	return dst.UnmarshalText(b)
}

// children iterates over the child elements of the element being read,
// ignoring text, comments and processing instructions. The loop body must
// consume each child (decode or skip it) and report a failure in *err,
// which ends the iteration; so does an error reading the next child, which
// is stored in *err too. The iteration also ends after the element's end
// tag.
func (r *elementReader) children(err *error) iter.Seq[xml.StartElement] {
	return func(yield func(xml.StartElement) bool) {
		for {
			el, ok, e := r.child()
			if e != nil {
				*err = e
				return
			}
			if !ok || !yield(el) || *err != nil {
				return
			}
		}
	}
}

// each calls decode for every child element named local (in any
// namespace; an empty local matches every name) of the element being read,
// skipping the others. decode must consume the child, end tag included.
func (r *elementReader) each(local string, decode func(start xml.StartElement) error) (err error) {
	for el := range r.children(&err) {
		if local == "" || el.Name.Local == local {
			err = decode(el)
		} else {
			err = r.skip()
		}
	}
	return err
}

// enum reads the element's text as one of known, returning the constant
// itself when it matches so that the common values cost no allocation.
// Anything else is kept verbatim: unknown enumeration values are never an
// error.
func enum[T ~string](r *elementReader, known []T) (T, error) {
	b, err := r.text()
	if err != nil {
		return "", err
	}
	return intern(b, known), nil
}

// intern returns the element of known equal to b, or b converted.
func intern[T ~string, S []byte | string](b S, known []T) T {
	for _, k := range known {
		if string(k) == string(b) {
			return k
		}
	}
	return T(b)
}

// attr returns the value of the last attribute with the given local name
// in any namespace, which is the one Unmarshal keeps for an attr field
// without a namespace.
func attr(start xml.StartElement, local string) (string, bool) {
	val, found := "", false
	for _, a := range start.Attr {
		if a.Name.Local == local {
			val, found = a.Value, true
		}
	}
	return val, found
}
