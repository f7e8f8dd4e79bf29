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
	"github.com/fedavail/fedavail/internal/xmlscan"
)

// requestBody is the decoded body of an operation the handler serves; at
// most one field is set.
type requestBody struct {
	availability *GetUserAvailabilityRequest
	timeZones    *GetServerTimeZones
}

// read reads the request's body within the size limit, into buf's storage
// if it is large enough. On failure it returns the HTTP status to answer
// with: 413 over the size limit, else 400.
func (h *Handler) read(r *http.Request, buf []byte) ([]byte, int, error) {
	data, err := xmlguard.ReadBodyInto(r, h.limits, buf)
	if err != nil {
		return nil, statusFor(err), err
	}
	return data, http.StatusOK, nil
}

// decode checks a request's body against the limits and decodes the
// envelope and the body.
//
// tok, if not nil, is the delegation token soap.HeaderToken found in data:
// its element was scanned there and is not scanned again.
func (h *Handler) decode(data []byte, tok *soap.Element) (*soap.Message, *requestBody, error) {
	xr := h.reader()
	defer h.readers.Put(xr)
	return decodeRequestKnown(xr, data, h.limits, spanOf(data, tok))
}

// span is the extent of an element in a request's bytes; the zero span is
// none.
type span struct{ start, end int }

// spanOf returns where el, a slice of data, lies in it.
func spanOf(data []byte, el *soap.Element) span {
	if el == nil || len(el.Raw) == 0 {
		return span{}
	}
	// Raw is data[start:end], so its capacity tells start.
	start := cap(data) - cap(el.Raw)
	if start < 0 || start+len(el.Raw) > len(data) || &data[start] != &el.Raw[0] {
		return span{}
	}
	return span{start, start + len(el.Raw)}
}

func statusFor(err error) int {
	var le *fedavail.LimitError
	if errors.As(err, &le) && le.What == "body size" {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest
}

// decodeRequest is soap.Decode for the handler's requests, in one pass of
// r that also decodes a GetUserAvailabilityRequest body by hand:
// the envelope is read under the same rules (xmlguard's limits first, then
// SOAP 1.1 or 1.2, Header before Body, one Body, no stray text, header
// blocks kept raw with the declarations they inherit), and the message it
// returns is the one soap.Decode would. A fault, or a body of a known
// operation that does not decode, is an error as it was there.
func decodeRequest(r *requestReader, data []byte, l xmlguard.Limits) (*soap.Message, *requestBody, error) {
	return decodeRequestKnown(r, data, l, span{})
}

// decodeRequestKnown is decodeRequest when a header block holds an element
// an earlier Reader pass over data read without error (the delegation
// token): it is jumped over.
func decodeRequestKnown(r *requestReader, data []byte, l xmlguard.Limits, known span) (*soap.Message, *requestBody, error) {
	if err := xmlguard.Check(data, l); err != nil {
		return nil, nil, err
	}
	r.Reset(data)
	e := envelopeReader{r: r, data: data, msg: &soap.Message{}, body: &requestBody{}, known: known}
	if err := e.read(); err != nil {
		return nil, nil, err
	}
	return e.msg, e.body, nil
}

// requestReader is the handler's XML reader: the token reader shared with
// the client, and the hand-written request decoders of server_decode.go.
// The handler keeps them in a pool (Handler.readers), so that their stacks,
// buffers and interned names serve request after request.
type requestReader struct{ xmlscan.Reader }

// reader takes a requestReader from the pool; give it back with
// h.readers.Put.
func (h *Handler) reader() *requestReader {
	if r, ok := h.readers.Get().(*requestReader); ok {
		return r
	}
	return new(requestReader)
}

// envelopeReader is the state of one decodeRequest.
type envelopeReader struct {
	r     *requestReader
	data  []byte
	msg   *soap.Message
	body  *requestBody
	envNS string
	// envScope holds the Envelope's namespace declarations.
	envScope *soap.Scope
	// known is an element inside the header blocks already read.
	known span
}

func envelopeError(format string, args ...any) error {
	return &fedavail.XMLError{Context: "SOAP envelope", Err: fmt.Errorf(format, args...)}
}

func (e *envelopeReader) read() error {
	// The prolog: anything up to the root element.
	for {
		kind, err := e.r.Next()
		if err == io.EOF {
			return envelopeError("%w", io.ErrUnexpectedEOF)
		}
		if err != nil {
			return &fedavail.XMLError{Context: "SOAP envelope", Err: err}
		}
		if kind == xmlscan.StartElement {
			break
		}
	}
	root := e.r.StartElement()
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
	e.envScope = soap.NewScope(nil, root.Attr)
	if err := e.sections(); err != nil {
		return err
	}
	// The epilogue: text and comments only.
	for {
		kind, err := e.r.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return &fedavail.XMLError{Context: "SOAP envelope", Err: err}
		}
		if kind == xmlscan.StartElement {
			return envelopeError("unexpected <%s> after Body", e.r.Name().Local)
		}
	}
}

// sections reads the Envelope's children up to its end tag.
func (e *envelopeReader) sections() error {
	gotBody := false
	for {
		kind, err := e.r.Next()
		if err != nil {
			return &fedavail.XMLError{Context: "SOAP envelope", Err: err}
		}
		switch kind {
		case xmlscan.EndElement:
			if !gotBody {
				return envelopeError("no Body")
			}
			return nil
		case xmlscan.CharData:
			if len(bytes.TrimSpace(e.r.Text())) > 0 {
				return envelopeError("text outside header blocks")
			}
		case xmlscan.StartElement:
			t := e.r.Name()
			if t.Space != e.envNS {
				return envelopeError("unexpected <%s> in %q inside Envelope", t.Local, t.Space)
			}
			switch string(t.Local) {
			case "Header":
				if gotBody {
					return envelopeError("Header after Body")
				}
				err = e.headers(e.r.StartElement())
			case "Body":
				if gotBody {
					return envelopeError("two Body elements")
				}
				gotBody = true
				err = e.bodyElements(e.r.StartElement())
			default:
				return envelopeError("unexpected <%s> inside Envelope", t.Local)
			}
			if err != nil {
				return err
			}
		}
	}
}

// headers keeps each header block raw.
func (e *envelopeReader) headers(section xml.StartElement) error {
	scope := soap.NewScope(e.envScope, section.Attr)
	return e.each(false, func(off int) error {
		t := e.r.StartElement()
		skip := e.r.Skip
		if e.known.end > off {
			skip = func() error { return e.r.SkipKnown(e.known.start, e.known.end) }
		}
		if err := skip(); err != nil {
			return &fedavail.XMLError{Context: "SOAP header", Err: err}
		}
		e.msg.Headers = append(e.msg.Headers, soap.Element{Name: t.Name, Attr: t.Attr, Raw: e.data[off:e.r.Offset()], Scope: scope})
		return nil
	})
}

// bodyElements decodes the Body's first element and skips the others.
func (e *envelopeReader) bodyElements(section xml.StartElement) error {
	return e.each(true, func(off int) error {
		if e.msg.Body.Name.Local != "" {
			if err := e.r.Skip(); err != nil {
				return &fedavail.XMLError{Context: "SOAP body", Err: err}
			}
			return nil
		}
		t := e.r.StartElement()
		if err := e.bodyElement(t.Name); err != nil {
			return err
		}
		e.msg.Body = soap.Element{Name: t.Name, Attr: t.Attr, Raw: e.data[off:e.r.Offset()], Scope: soap.NewScope(e.envScope, section.Attr)}
		if e.body.timeZones != nil {
			// GetServerTimeZones is small and rare: encoding/xml decodes it.
			return e.msg.Body.Decode(e.body.timeZones)
		}
		return nil
	})
}

// each calls f for every child element of a section, with the offset of
// its start tag, up to the section's end; f must consume the child. Text is
// allowed only in the Body.
func (e *envelopeReader) each(textOK bool, f func(off int) error) error {
	for {
		kind, err := e.r.Next()
		if err != nil {
			return &fedavail.XMLError{Context: "SOAP envelope", Err: err}
		}
		switch kind {
		case xmlscan.EndElement:
			return nil
		case xmlscan.CharData:
			if !textOK && len(bytes.TrimSpace(e.r.Text())) > 0 {
				return envelopeError("text outside header blocks")
			}
		case xmlscan.StartElement:
			if err := f(e.r.TokenOffset()); err != nil {
				return err
			}
		}
	}
}

func (e *envelopeReader) bodyElement(t xml.Name) error {
	switch {
	case t.Space == e.envNS && t.Local == "Fault":
		return &fedavail.XMLError{Context: "SOAP body", Err: errors.New("a fault is not a request")}
	case t.Space == MessagesNS && t.Local == "GetUserAvailabilityRequest":
		e.body.availability = new(GetUserAvailabilityRequest)
		if err := e.r.availabilityRequest(e.body.availability); err != nil {
			return &fedavail.XMLError{Context: t.Local, Err: err}
		}
		return nil
	case t.Space == MessagesNS && t.Local == "GetServerTimeZones":
		e.body.timeZones = new(GetServerTimeZones)
	}
	if err := e.r.Skip(); err != nil {
		return &fedavail.XMLError{Context: "SOAP body", Err: err}
	}
	return nil
}
