package ews

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// requestBody is the decoded body of an operation the handler serves; at
// most one field is set.
type requestBody struct {
	availability *GetUserAvailabilityRequest
	timeZones    *GetServerTimeZones
}

// readRequest reads and decodes the envelope and the body. On failure it
// returns the HTTP status to answer with: 413 over the size limit, else 400.
func readRequest(r *http.Request, l xmlguard.Limits) (*soap.Message, *requestBody, int, error) {
	data, err := xmlguard.ReadAll(r.Body, l)
	if err != nil {
		return nil, nil, statusFor(err), err
	}
	msg, body, err := decodeRequest(data, l)
	if err != nil {
		return nil, nil, statusFor(err), err
	}
	return msg, body, http.StatusOK, nil
}

func statusFor(err error) int {
	var le *fedavail.LimitError
	if errors.As(err, &le) && le.What == "body size" {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest
}

// decodeRequest is soap.Decode for the handler's requests, in one pass of
// [nsReader] that also decodes a GetUserAvailabilityRequest body by hand:
// the envelope is read under the same rules (xmlguard's limits first, then
// SOAP 1.1 or 1.2, Header before Body, one Body, no stray text, header
// blocks kept raw with the declarations they inherit), and the message it
// returns is the one soap.Decode would. A fault, or a body of a known
// operation that does not decode, is an error as it was there.
func decodeRequest(data []byte, l xmlguard.Limits) (*soap.Message, *requestBody, error) {
	if err := xmlguard.Check(data, l); err != nil {
		return nil, nil, err
	}
	e := envelopeReader{r: newNSReader(data), data: data, msg: &soap.Message{}, body: &requestBody{}}
	if err := e.read(); err != nil {
		return nil, nil, err
	}
	return e.msg, e.body, nil
}

// envelopeReader is the state of one decodeRequest.
type envelopeReader struct {
	r     *nsReader
	data  []byte
	msg   *soap.Message
	body  *requestBody
	envNS string
	// envDecls are the Envelope's namespace declarations.
	envDecls []xml.Attr
}

func envelopeError(format string, args ...any) error {
	return &fedavail.XMLError{Context: "SOAP envelope", Err: fmt.Errorf(format, args...)}
}

func (e *envelopeReader) read() error {
	// The prolog: anything up to the root element.
	var root xml.StartElement
	for {
		tok, err := e.r.next()
		if err == io.EOF {
			return envelopeError("%w", io.ErrUnexpectedEOF)
		}
		if err != nil {
			return &fedavail.XMLError{Context: "SOAP envelope", Err: err}
		}
		if t, ok := tok.(xml.StartElement); ok {
			root = t
			break
		}
	}
	if root.Name.Local != "Envelope" {
		return envelopeError("root element is <%s>, want <Envelope>", root.Name.Local)
	}
	switch root.Name.Space {
	case ns.SOAP11:
		e.msg.Version = soap.V11
	case ns.SOAP12:
		e.msg.Version = soap.V12
	default:
		return &fedavail.NamespaceError{Element: "Envelope", Got: root.Name.Space, Want: ns.SOAP11}
	}
	e.envNS = root.Name.Space
	e.envDecls = declarations(root.Attr)
	if err := e.sections(); err != nil {
		return err
	}
	// The epilogue: text and comments only.
	for {
		tok, err := e.r.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return &fedavail.XMLError{Context: "SOAP envelope", Err: err}
		}
		if t, ok := tok.(xml.StartElement); ok {
			return envelopeError("unexpected <%s> after Body", t.Name.Local)
		}
	}
}

// sections reads the Envelope's children up to its end tag.
func (e *envelopeReader) sections() error {
	gotBody := false
	for {
		tok, err := e.r.next()
		if err != nil {
			return &fedavail.XMLError{Context: "SOAP envelope", Err: err}
		}
		switch t := tok.(type) {
		case xml.EndElement:
			if !gotBody {
				return envelopeError("no Body")
			}
			return nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return envelopeError("text outside header blocks")
			}
		case xml.StartElement:
			if t.Name.Space != e.envNS {
				return envelopeError("unexpected <%s> in %q inside Envelope", t.Name.Local, t.Name.Space)
			}
			switch t.Name.Local {
			case "Header":
				if gotBody {
					return envelopeError("Header after Body")
				}
				err = e.headers(t)
			case "Body":
				if gotBody {
					return envelopeError("two Body elements")
				}
				gotBody = true
				err = e.bodyElements(t)
			default:
				return envelopeError("unexpected <%s> inside Envelope", t.Name.Local)
			}
			if err != nil {
				return err
			}
		}
	}
}

// inherited returns the declarations in scope inside a section, innermost
// first, as soap.Decode lists them.
func (e *envelopeReader) inherited(section xml.StartElement) []xml.Attr {
	var out []xml.Attr
	seen := map[string]bool{}
	for _, frame := range [][]xml.Attr{declarations(section.Attr), e.envDecls} {
		for _, a := range frame {
			key := a.Name.Local
			if a.Name.Space == "" {
				key = ""
			}
			if !seen[key] {
				seen[key] = true
				out = append(out, a)
			}
		}
	}
	return out
}

func declarations(attrs []xml.Attr) []xml.Attr {
	var out []xml.Attr
	for _, a := range attrs {
		if a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns" {
			out = append(out, a)
		}
	}
	return out
}

// headers keeps each header block raw.
func (e *envelopeReader) headers(section xml.StartElement) error {
	inherited := e.inherited(section)
	return e.each(false, func(t xml.StartElement, off int64) error {
		if err := e.r.skip(); err != nil {
			return &fedavail.XMLError{Context: "SOAP header", Err: err}
		}
		e.msg.Headers = append(e.msg.Headers, soap.Element{Name: t.Name, Attr: t.Attr, Raw: e.data[off:e.r.d.InputOffset()], Inherited: inherited})
		return nil
	})
}

// bodyElements decodes the Body's first element and skips the others.
func (e *envelopeReader) bodyElements(section xml.StartElement) error {
	return e.each(true, func(t xml.StartElement, off int64) error {
		if e.msg.Body.Name.Local != "" {
			if err := e.r.skip(); err != nil {
				return &fedavail.XMLError{Context: "SOAP body", Err: err}
			}
			return nil
		}
		if err := e.bodyElement(t); err != nil {
			return err
		}
		e.msg.Body = soap.Element{Name: t.Name, Attr: t.Attr, Raw: e.data[off:e.r.d.InputOffset()], Inherited: e.inherited(section)}
		if e.body.timeZones != nil {
			// GetServerTimeZones is small and rare: encoding/xml decodes it.
			return e.msg.Body.Decode(e.body.timeZones)
		}
		return nil
	})
}

// each calls f for every child element of a section, with the offset of
// its start tag, up to the section's end. Text is allowed only in the Body.
func (e *envelopeReader) each(textOK bool, f func(t xml.StartElement, off int64) error) error {
	for {
		off := e.r.d.InputOffset()
		tok, err := e.r.next()
		if err != nil {
			return &fedavail.XMLError{Context: "SOAP envelope", Err: err}
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return nil
		case xml.CharData:
			if !textOK && len(bytes.TrimSpace(t)) > 0 {
				return envelopeError("text outside header blocks")
			}
		case xml.StartElement:
			if err := f(t, off); err != nil {
				return err
			}
		}
	}
}

func (e *envelopeReader) bodyElement(t xml.StartElement) error {
	switch {
	case t.Name.Space == e.envNS && t.Name.Local == "Fault":
		return &fedavail.XMLError{Context: "SOAP body", Err: errors.New("a fault is not a request")}
	case t.Name.Space == MessagesNS && t.Name.Local == "GetUserAvailabilityRequest":
		e.body.availability = new(GetUserAvailabilityRequest)
		if err := e.r.availabilityRequest(e.body.availability, t); err != nil {
			return &fedavail.XMLError{Context: t.Name.Local, Err: err}
		}
		return nil
	case t.Name.Space == MessagesNS && t.Name.Local == "GetServerTimeZones":
		e.body.timeZones = new(GetServerTimeZones)
	}
	if err := e.r.skip(); err != nil {
		return &fedavail.XMLError{Context: "SOAP body", Err: err}
	}
	return nil
}
