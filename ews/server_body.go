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

// decode decodes a request's envelope and body in one pass of the
// bytes, enforcing the limits as it reads. onToken, if not nil, is
// called with the delegation token as soon as the pass reaches it (see
// decodeFederatedRequest); an error it returns stops the pass and comes
// back as it is.
func (h *Handler) decode(data []byte, onToken func(*soap.Element) error) (*soap.Message, *requestBody, error) {
	xr := h.reader()
	defer h.readers.Put(xr)
	return decodeFederatedRequest(xr, data, h.limits, onToken)
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
// the envelope is read under the same rules (xmlguard's limits, enforced
// by the reader as it goes, with Check's errors; SOAP 1.1 or 1.2, Header
// before Body, one Body, no stray text, header blocks kept raw with the
// declarations they inherit), and the message it returns is the one
// soap.Decode would. A fault, or a body of a known operation that does not
// decode, is an error as it was there.
func decodeRequest(r *requestReader, data []byte, l xmlguard.Limits) (*soap.Message, *requestBody, error) {
	return decodeFederatedRequest(r, data, l, nil)
}

// decodeFederatedRequest is decodeRequest that hands the delegation
// token to onToken (if not nil) the moment it has been read, before
// anything after it is: the first child element of the first
// wsse:Security block of the Header that is the Envelope's first child,
// in the scope soap.Message.SecurityToken gives it — the element
// soap.HeaderToken returns. onToken gets nil as soon as there can be no
// token: when that Security block ends empty, when the Header ends without
// one, when the Envelope's first child is not a Header. It is called
// exactly once when the decode succeeds, at most once otherwise; an error
// it returns ends the decode and comes back unwrapped.
//
// So a federated request whose token is refused costs the reading of its
// header up to the token (issue 12.4), as it did when soap.HeaderToken ran
// first; the header blocks before the token are decoded (kept raw, with
// their start tags copied), a cost bounded by the header's size.
func decodeFederatedRequest(r *requestReader, data []byte, l xmlguard.Limits, onToken func(*soap.Element) error) (*soap.Message, *requestBody, error) {
	if err := r.ResetLimits(data, l); err != nil {
		return nil, nil, err
	}
	d := new(decodedRequest)
	e := envelopeReader{r: r, data: data, msg: &d.msg, body: &d.body, store: d, onToken: onToken}
	e.attrs = d.attrs[:0]
	if err := e.read(); err != nil {
		if e.refused {
			return nil, nil, err
		}
		return nil, nil, limitError(err)
	}
	if err := e.token(nil); err != nil {
		return nil, nil, err
	}
	return e.msg, e.body, nil
}

// limitError returns the limit err refers to (the reader's refusal,
// which the decoders may have wrapped as malformed XML), as xmlguard.Check
// would have returned it, or err itself.
func limitError(err error) error {
	if errors.Is(err, fedavail.ErrDTD) {
		return fedavail.ErrDTD
	}
	var le *fedavail.LimitError
	if errors.As(err, &le) {
		return le
	}
	return err
}

// decodedRequest is what one decode keeps, allocated in one piece: the message,
// the body, and room for what a usual request holds — its header blocks,
// the token, the start tags' attributes, a GetUserAvailabilityRequest and
// its parts. A larger request grows past it as it would have grown from
// nothing; the handler drops it all with the request.
type decodedRequest struct {
	msg     soap.Message
	body    requestBody
	headers [8]soap.Element // Exchange's requests have six to eight blocks
	token   soap.Element
	attrs   [attrChunk]xml.Attr
	avail   GetUserAvailabilityRequest
	spare   availabilitySpare
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
	store *decodedRequest // where msg and body are, with room for their parts
	envNS string
	// envScope holds the Envelope's namespace declarations.
	envScope *soap.Scope
	// onToken receives the delegation token (decodeFederatedRequest);
	// tokenDone is set once it has been called or cannot be, refused when
	// it returned an error.
	onToken   func(*soap.Element) error
	tokenDone bool
	refused   bool
	// attrs is startElement's current chunk.
	attrs []xml.Attr
}

// startElement is the Reader's StartElement with the attributes copied
// into chunks shared by the message's start tags: one allocation for a
// request's dozen, not one each. Each tag's slice is capped, so that an
// append to it cannot reach its neighbour's.
func (e *envelopeReader) startElement() xml.StartElement {
	t := xml.StartElement{Name: e.r.XMLName()}
	attrs := e.r.Attrs()
	if len(attrs) == 0 {
		return t
	}
	if cap(e.attrs)-len(e.attrs) < len(attrs) {
		// A new chunk, twice the last; the tags already made keep the old.
		e.attrs = make([]xml.Attr, 0, max(attrChunk, 2*cap(e.attrs), len(attrs)))
	}
	n := len(e.attrs)
	e.attrs = append(e.attrs, attrs...)
	t.Attr = e.attrs[n:len(e.attrs):len(e.attrs)]
	return t
}

// attrChunk is how many attributes startElement's first chunk holds
// (decodedRequest.attrs): the two dozen of a federated request from Exchange.
const attrChunk = 24

// token hands tok (nil for none) to onToken, the first time only.
func (e *envelopeReader) token(tok *soap.Element) error {
	if e.tokenDone {
		return nil
	}
	e.tokenDone = true
	if e.onToken == nil {
		return nil
	}
	err := e.onToken(tok)
	e.refused = err != nil
	return err
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
	root := e.startElement()
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
			if err := e.token(nil); err != nil {
				return err
			}
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
			if !t.Is(e.envNS, "Header") {
				// Only a first child that is a Header can hold the token.
				if err := e.token(nil); err != nil {
					return err
				}
			}
			if t.Space != e.envNS {
				return envelopeError("unexpected <%s> in %q inside Envelope", t.Local, t.Space)
			}
			switch string(t.Local) {
			case "Header":
				if gotBody {
					return envelopeError("Header after Body")
				}
				if err = e.headers(e.startElement()); err == nil {
					err = e.token(nil) // the Header ended without one
				}
			case "Body":
				if gotBody {
					return envelopeError("two Body elements")
				}
				gotBody = true
				err = e.bodyElements(e.startElement())
			default:
				return envelopeError("unexpected <%s> inside Envelope", t.Local)
			}
			if err != nil {
				return err
			}
		}
	}
}

// headers keeps each header block raw. In the first Header, the first
// wsse:Security block is where the token is (decodeFederatedRequest).
func (e *envelopeReader) headers(section xml.StartElement) error {
	scope := soap.NewScope(e.envScope, section.Attr)
	return e.each(false, func(off int) error {
		t := e.startElement()
		if e.onToken != nil && !e.tokenDone && t.Name.Space == ns.WSSE && t.Name.Local == "Security" {
			if err := e.security(scope, t.Attr); err != nil {
				return err
			}
		} else if err := e.r.Skip(); err != nil {
			return &fedavail.XMLError{Context: "SOAP header", Err: err}
		}
		if e.msg.Headers == nil {
			e.msg.Headers = e.store.headers[:0]
		}
		e.msg.Headers = append(e.msg.Headers, soap.Element{Name: t.Name, Attr: t.Attr, Raw: e.data[off:e.r.Offset()], Scope: scope})
		return nil
	})
}

// security reads the wsse:Security block whose start tag was just read,
// handing its first child element to onToken before reading on.
func (e *envelopeReader) security(scope *soap.Scope, attrs []xml.Attr) error {
	depth := e.r.Depth()
	for {
		kind, err := e.r.Next()
		if err != nil {
			return &fedavail.XMLError{Context: "SOAP header", Err: err}
		}
		if kind == xmlscan.StartElement {
			break
		}
		if e.r.Depth() < depth { // an empty block
			return e.token(nil)
		}
	}
	tok, start := e.startElement(), e.r.TokenOffset()
	if err := e.r.Skip(); err != nil {
		return &fedavail.XMLError{Context: "Security", Err: err}
	}
	el := &e.store.token
	*el = soap.Element{Name: tok.Name, Attr: tok.Attr, Raw: e.data[start:e.r.Offset()], Scope: soap.NewScope(scope, attrs)}
	if err := e.token(el); err != nil {
		return err
	}
	// The rest of the block: Skip from inside it reads to its end.
	if err := e.r.Skip(); err != nil {
		return &fedavail.XMLError{Context: "SOAP header", Err: err}
	}
	return nil
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
		t := e.startElement()
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
		e.body.availability = &e.store.avail
		if err := e.r.availabilityRequest(e.body.availability, &e.store.spare); err != nil {
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
