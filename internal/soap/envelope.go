// Package soap encodes and decodes SOAP 1.1 and SOAP 1.2 envelopes and posts
// them over HTTP. Every fedavail protocol (Autodiscover, EWS, WS-Trust) goes
// through it, so the safety limits, fault decoding and HTTP error handling live
// in one place.
//
// Decoding is single-pass for the body: the caller passes the value to fill and
// the body is decoded by encoding/xml while the envelope is scanned. Header
// blocks are kept as raw bytes (with the namespace declarations they inherit)
// because some of them — a wsse:Security header carrying an encrypted token —
// must be processed byte for byte.
package soap

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// Version is a SOAP version.
type Version int

// SOAP versions.
const (
	V11 Version = 1 // http://schemas.xmlsoap.org/soap/envelope/
	V12 Version = 2 // http://www.w3.org/2003/05/soap-envelope
)

// Namespace returns the envelope namespace of v.
func (v Version) Namespace() string {
	if v == V12 {
		return ns.SOAP12
	}
	return ns.SOAP11
}

// String returns "1.1" or "1.2".
func (v Version) String() string {
	if v == V12 {
		return "1.2"
	}
	return "1.1"
}

// ContentType returns the Content-Type of a request of this version; for SOAP
// 1.2 the action travels as a parameter of it.
func (v Version) ContentType(action string) string {
	if v == V12 {
		if action != "" {
			return fmt.Sprintf("application/soap+xml; charset=utf-8; action=%q", action)
		}
		return "application/soap+xml; charset=utf-8"
	}
	return "text/xml; charset=utf-8"
}

// RawXML is XML written into an envelope verbatim. It must be one complete,
// self-contained element (all the namespace prefixes it uses declared in it).
type RawXML []byte

// Envelope is an outgoing SOAP message.
type Envelope struct {
	Version Version
	// Headers are the header blocks: RawXML, or values encoding/xml can marshal.
	Headers []any
	// Body is the body's content: RawXML, or a value encoding/xml can marshal.
	Body any
}

// Marshal renders the envelope with an XML declaration.
func (e *Envelope) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(`<?xml version="1.0" encoding="utf-8"?>`)
	fmt.Fprintf(&buf, `<s:Envelope xmlns:s="%s">`, e.Version.Namespace())
	if len(e.Headers) > 0 {
		buf.WriteString("<s:Header>")
		for _, h := range e.Headers {
			if err := writePart(&buf, h); err != nil {
				return nil, fmt.Errorf("soap: header: %w", err)
			}
		}
		buf.WriteString("</s:Header>")
	}
	buf.WriteString("<s:Body>")
	if e.Body != nil {
		if err := writePart(&buf, e.Body); err != nil {
			return nil, fmt.Errorf("soap: body: %w", err)
		}
	}
	buf.WriteString("</s:Body></s:Envelope>")
	return buf.Bytes(), nil
}

func writePart(w *bytes.Buffer, v any) error {
	switch p := v.(type) {
	case RawXML:
		w.Write(p)
		return nil
	case []byte:
		w.Write(p)
		return nil
	}
	enc := xml.NewEncoder(w)
	if err := enc.Encode(v); err != nil {
		return err
	}
	return enc.Close()
}

// Element is one element of a decoded message, kept as the bytes it arrived as.
type Element struct {
	// Name is the element's resolved name.
	Name xml.Name
	// Attr are its attributes, names resolved (namespace declarations included).
	Attr []xml.Attr
	// Raw is the element byte for byte, start tag to end tag.
	Raw []byte
	// Inherited are the namespace declarations (as xmlns attributes) in scope
	// from its ancestors. Raw may use their prefixes.
	Inherited []xml.Attr
}

// AttrValue returns the value of the attribute with the given namespace and local name.
func (e *Element) AttrValue(space, local string) (string, bool) {
	for _, a := range e.Attr {
		if a.Name.Space == space && a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

// Standalone returns Raw with the inherited namespace declarations it does not
// redeclare itself added to its start tag, so it can be parsed on its own.
func (e *Element) Standalone() []byte {
	if len(e.Raw) == 0 {
		return nil
	}
	own := map[string]bool{}
	for _, a := range e.Attr {
		if a.Name.Space == "xmlns" {
			own[a.Name.Local] = true
		} else if a.Name.Space == "" && a.Name.Local == "xmlns" {
			own[""] = true
		}
	}
	var extra bytes.Buffer
	for _, a := range e.Inherited {
		prefix := a.Name.Local
		if a.Name.Space == "" {
			prefix = ""
		}
		if own[prefix] {
			continue
		}
		if prefix == "" {
			fmt.Fprintf(&extra, ` xmlns="%s"`, escapeAttr(a.Value))
		} else {
			fmt.Fprintf(&extra, ` xmlns:%s="%s"`, prefix, escapeAttr(a.Value))
		}
	}
	if extra.Len() == 0 {
		return e.Raw
	}
	// The element name follows '<' directly; insert right after it.
	end := 1
	for end < len(e.Raw) && !isSpaceOrTagEnd(e.Raw[end]) {
		end++
	}
	out := make([]byte, 0, len(e.Raw)+extra.Len())
	out = append(out, e.Raw[:end]...)
	out = append(out, extra.Bytes()...)
	out = append(out, e.Raw[end:]...)
	return out
}

func isSpaceOrTagEnd(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '>' || c == '/'
}

func escapeAttr(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return strings.ReplaceAll(b.String(), `"`, "&#34;")
}

// Decode unmarshals the element into v with encoding/xml.
func (e *Element) Decode(v any) error {
	if err := xml.Unmarshal(e.Standalone(), v); err != nil {
		return &fedavail.XMLError{Context: e.Name.Local, Err: err}
	}
	return nil
}

// Message is a decoded SOAP message.
type Message struct {
	Version Version
	// Headers are the header blocks in document order.
	Headers []Element
	// Body is the body's first element; its Name is empty for an empty body.
	Body Element
}

// Header returns the first header block with the given name, or nil.
func (m *Message) Header(space, local string) *Element {
	for i := range m.Headers {
		if m.Headers[i].Name.Space == space && m.Headers[i].Name.Local == local {
			return &m.Headers[i]
		}
	}
	return nil
}

// DecodeOptions tells [Decode] what to expect.
type DecodeOptions struct {
	// Limits are the safety limits; zero fields take xmlguard's defaults.
	Limits xmlguard.Limits
	// Body, if not nil, receives the body's first element in the same pass.
	Body any
	// BodyName, if not empty, is the name the body's first element must have.
	// A matching local name in another namespace is a *fedavail.NamespaceError.
	BodyName xml.Name
	// Version, if not zero, is the only SOAP version accepted.
	Version Version
	// Scan, if not nil (and Version is zero), is tried before the normal
	// decoding: a fast decoder of the whole envelope into Body, such as one
	// built on xmlscan. It returns ok false, leaving Body untouched, when it
	// cannot vouch for its result — for anything unusual or malformed — and
	// Decode then decodes as usual, which also produces the errors. When it
	// succeeds the Message has only Version and Body.Name.
	Scan func(data []byte) (v Version, body xml.Name, ok bool)
}

// Decode parses a SOAP envelope. A fault in the body is returned as a
// *fedavail.Fault error (with the Message, which then has the fault as Body).
// Other errors are *fedavail.LimitError, fedavail.ErrDTD,
// *fedavail.NamespaceError or *fedavail.XMLError.
func Decode(data []byte, opts DecodeOptions) (*Message, error) {
	if err := xmlguard.Check(data, opts.Limits); err != nil {
		return nil, err
	}
	if opts.Scan != nil && opts.Version == 0 {
		if v, name, ok := opts.Scan(data); ok {
			if err := checkBodyName(name, opts.BodyName); err != nil {
				return nil, err
			}
			return &Message{Version: v, Body: Element{Name: name}}, nil
		}
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	var (
		msg   = &Message{}
		scope nsScope
		// 0: before Envelope, 1: in Envelope, 2: in Header, 3: in Body, 4: after Body
		state    int
		envNS    string
		gotBody  bool
		bodyDone bool
	)
	for {
		off := d.InputOffset()
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, &fedavail.XMLError{Context: "SOAP envelope", Err: err}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch state {
			case 0:
				if t.Name.Local != "Envelope" {
					return nil, &fedavail.XMLError{Context: "SOAP envelope", Err: fmt.Errorf("root element is <%s>, want <Envelope>", t.Name.Local)}
				}
				switch t.Name.Space {
				case ns.SOAP11:
					msg.Version = V11
				case ns.SOAP12:
					msg.Version = V12
				default:
					want := ns.SOAP11
					if opts.Version == V12 {
						want = ns.SOAP12
					}
					return nil, &fedavail.NamespaceError{Element: "Envelope", Got: t.Name.Space, Want: want}
				}
				if opts.Version != 0 && opts.Version != msg.Version {
					return nil, &fedavail.NamespaceError{Element: "Envelope", Got: t.Name.Space, Want: opts.Version.Namespace()}
				}
				envNS = t.Name.Space
				scope.push(t.Attr)
				state = 1
			case 1:
				if t.Name.Space != envNS {
					return nil, &fedavail.XMLError{Context: "SOAP envelope", Err: fmt.Errorf("unexpected <%s> in %q inside Envelope", t.Name.Local, t.Name.Space)}
				}
				switch t.Name.Local {
				case "Header":
					if gotBody {
						return nil, &fedavail.XMLError{Context: "SOAP envelope", Err: errors.New("Header after Body")}
					}
					state = 2
				case "Body":
					if gotBody {
						return nil, &fedavail.XMLError{Context: "SOAP envelope", Err: errors.New("two Body elements")}
					}
					gotBody = true
					state = 3
				default:
					return nil, &fedavail.XMLError{Context: "SOAP envelope", Err: fmt.Errorf("unexpected <%s> inside Envelope", t.Name.Local)}
				}
				scope.push(t.Attr)
			case 2, 3:
				inherited := scope.inScope()
				if state == 3 && bodyDone {
					// Only the first body element is read; the rest is skipped.
					if err := d.Skip(); err != nil {
						return nil, &fedavail.XMLError{Context: "SOAP body", Err: err}
					}
					continue
				}
				el := Element{Name: t.Name, Attr: copyAttrs(t.Attr), Inherited: inherited}
				if state == 3 && t.Name.Space == envNS && t.Name.Local == "Fault" {
					if err := d.Skip(); err != nil {
						return nil, &fedavail.XMLError{Context: "SOAP fault", Err: err}
					}
					el.Raw = data[off:d.InputOffset()]
					msg.Body = el
					f, err := decodeFault(&el, msg.Version)
					if err != nil {
						return nil, err
					}
					return msg, f
				}
				if state == 3 {
					if err := checkBodyName(t.Name, opts.BodyName); err != nil {
						return nil, err
					}
				}
				if state == 3 && opts.Body != nil {
					start := t.Copy()
					if err := d.DecodeElement(opts.Body, &start); err != nil {
						return nil, &fedavail.XMLError{Context: t.Name.Local, Err: err}
					}
				} else if err := d.Skip(); err != nil {
					return nil, &fedavail.XMLError{Context: "SOAP " + map[bool]string{true: "body", false: "header"}[state == 3], Err: err}
				}
				el.Raw = data[off:d.InputOffset()]
				if state == 2 {
					msg.Headers = append(msg.Headers, el)
				} else {
					msg.Body = el
					bodyDone = true
				}
			default:
				return nil, &fedavail.XMLError{Context: "SOAP envelope", Err: fmt.Errorf("unexpected <%s> after Body", t.Name.Local)}
			}
		case xml.EndElement:
			switch state {
			case 1:
				state = 4
			case 2, 3:
				state = 1
			}
			scope.pop()
		case xml.CharData:
			if state != 3 && len(bytes.TrimSpace(t)) > 0 && state != 0 && state != 4 {
				return nil, &fedavail.XMLError{Context: "SOAP envelope", Err: errors.New("text outside header blocks")}
			}
		}
	}
	if state != 4 {
		return nil, &fedavail.XMLError{Context: "SOAP envelope", Err: io.ErrUnexpectedEOF}
	}
	if !gotBody {
		return nil, &fedavail.XMLError{Context: "SOAP envelope", Err: errors.New("no Body")}
	}
	if opts.BodyName.Local != "" && msg.Body.Name.Local == "" {
		return nil, &fedavail.XMLError{Context: "SOAP body", Err: fmt.Errorf("empty, want <%s>", opts.BodyName.Local)}
	}
	return msg, nil
}

// checkBodyName returns the error for a body element named got when want
// (if not empty) was expected.
func checkBodyName(got, want xml.Name) error {
	switch {
	case want.Local == "":
		return nil
	case got.Local != want.Local:
		return &fedavail.XMLError{Context: "SOAP body", Err: fmt.Errorf("got <%s>, want <%s>", got.Local, want.Local)}
	case got.Space != want.Space:
		return &fedavail.NamespaceError{Element: got.Local, Got: got.Space, Want: want.Space}
	}
	return nil
}

func copyAttrs(a []xml.Attr) []xml.Attr {
	if len(a) == 0 {
		return nil
	}
	return append([]xml.Attr(nil), a...)
}

// nsScope tracks namespace declarations, so header blocks can be made standalone.
type nsScope struct {
	frames [][]xml.Attr
}

func (s *nsScope) push(attrs []xml.Attr) {
	var decls []xml.Attr
	for _, a := range attrs {
		if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
			decls = append(decls, a)
		}
	}
	s.frames = append(s.frames, decls)
}

func (s *nsScope) pop() {
	if len(s.frames) > 0 {
		s.frames = s.frames[:len(s.frames)-1]
	}
}

// inScope returns the effective declarations, innermost winning.
func (s *nsScope) inScope() []xml.Attr {
	seen := map[string]bool{}
	var out []xml.Attr
	for i := len(s.frames) - 1; i >= 0; i-- {
		for _, a := range s.frames[i] {
			key := a.Name.Local
			if a.Name.Space == "" {
				key = ""
			}
			if seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, a)
		}
	}
	return out
}
