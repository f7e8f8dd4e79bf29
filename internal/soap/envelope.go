// Package soap encodes and decodes SOAP 1.1 and SOAP 1.2 envelopes and posts
// them over HTTP. Every fedavail protocol (Autodiscover, EWS, WS-Trust) goes
// through it, so the safety limits, fault decoding and HTTP error handling live
// in one place.
//
// Decoding is single-pass for the body: the caller passes the value to fill and
// the body is decoded by encoding/xml while the envelope is scanned. Header
// blocks are kept as raw bytes because some of them — a wsse:Security header
// carrying an encrypted token — must be processed byte for byte. The
// namespace declarations they inherit are not copied into each: a [Scope]
// per element that declares some is shared by everything under it, and
// [Element.Standalone] adds only what a part's bytes use. A server that
// authenticates by token finds it with [HeaderToken] before decoding the
// rest. Cost is linear in the input; the declaration counts themselves are
// bounded by xmlguard.
package soap

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

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
	// Scope holds the namespace declarations in scope from its ancestors,
	// shared with its siblings. Raw may use their prefixes.
	Scope *Scope
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

// Standalone returns Raw with the inherited namespace declarations it uses
// and does not redeclare added to its start tag, so it can be parsed on its
// own. "Uses" is generous — every run of name characters before a colon,
// in names, attribute values (QNames) and text alike, and the default
// namespace — so nothing Raw could need is dropped, while the hundreds of
// unrelated declarations a hostile envelope may carry are. The cost is
// one pass over Raw, whatever is in scope. When nothing is to be added it
// is Raw itself, not a copy.
func (e *Element) Standalone() []byte {
	if len(e.Raw) == 0 {
		return nil
	}
	if e.Scope == nil {
		return e.Raw
	}
	var small [256]byte // the declarations, usually a few
	extra := e.appendInherited(small[:0])
	if len(extra) == 0 {
		return e.Raw
	}
	end := nameEnd(e.Raw)
	out := make([]byte, 0, len(e.Raw)+len(extra))
	out = append(out, e.Raw[:end]...)
	out = append(out, extra...)
	return append(out, e.Raw[end:]...)
}

// AppendStandalone appends what [Element.Standalone] returns to b and
// returns the extended slice. It always copies, so that a caller can keep
// one buffer (a pooled one) for the token of every request instead of a
// fresh copy of it each time.
func (e *Element) AppendStandalone(b []byte) []byte {
	if len(e.Raw) == 0 {
		return b
	}
	end := nameEnd(e.Raw)
	b = append(b, e.Raw[:end]...)
	if e.Scope != nil {
		b = e.appendInherited(b)
	}
	return append(b, e.Raw[end:]...)
}

// nameEnd is where the element name that follows '<' ends in raw: where
// inherited declarations go.
func nameEnd(raw []byte) int {
	end := 1
	for end < len(raw) && !isSpaceOrTagEnd(raw[end]) {
		end++
	}
	return end
}

// appendInherited appends to b the declarations Standalone adds: the
// default namespace, then each prefix in the order Raw first uses it.
func (e *Element) appendInherited(b []byte) []byte {
	done := prefixSet{own: e.Attr}
	b = e.appendDecl(b, &done, nil)
	var c candidates
	if c.collect(e.Scope, &done) {
		return e.appendCandidates(b, &c)
	}
	prefixesUsed(e.Raw, func(p []byte) { b = e.appendDecl(b, &done, p) })
	return b
}

// candidates are the prefixes appendInherited can add: those declared in
// scope that the element does not declare itself, "xmlns" aside. Real
// parts inherit a handful (a token: the envelope's and its Security
// block's), so testing each prefix-like run of Raw against them costs a
// few byte comparisons, where looking every run up cost a search of the
// prefixes seen and of the scope.
type candidates struct {
	list [maxCandidates]string
	n    int
}

// maxCandidates bounds the fast path; a scope with more distinct prefixes
// (a hostile envelope's) takes prefixesUsed's.
const maxCandidates = 8

// collect gathers the candidates of scope s, reporting false if there are
// more than maxCandidates.
func (c *candidates) collect(s *Scope, own *prefixSet) bool {
	for ; s != nil; s = s.parent {
	decls:
		for _, a := range s.decls {
			p := declPrefix(a)
			if p == "" || own.has([]byte(p)) {
				continue
			}
			for _, q := range c.list[:c.n] {
				if q == p {
					continue decls
				}
			}
			if c.n == len(c.list) {
				return false
			}
			c.list[c.n] = p
			c.n++
		}
	}
	return true
}

// appendCandidates is prefixesUsed's loop restricted to the candidates:
// at each colon it asks whether the run of prefix bytes before it (which
// starts after the previous colon at the earliest) is a candidate not yet
// added, and adds it, so that the declarations come in the order Raw first
// uses them, as prefixesUsed would have them. It stops when all are added.
func (e *Element) appendCandidates(b []byte, c *candidates) []byte {
	raw := e.Raw
	for i := 0; c.n > 0; {
		k := bytes.IndexByte(raw[i:], ':')
		if k < 0 {
			break
		}
		end := i + k
		for j := 0; j < c.n; j++ {
			p := c.list[j]
			start := end - len(p)
			if start < i || string(raw[start:end]) != p || start > i && isPrefixByte(raw[start-1]) {
				continue
			}
			if a, ok := e.Scope.Lookup(p); ok {
				b = appendDeclAttr(b, p, a.Value)
			}
			c.n--
			c.list[j] = c.list[c.n]
			break
		}
		i = end + 1
	}
	return b
}

// appendDecl appends the declaration of prefix (empty for the default
// namespace) in e's scope, once, if it is in scope and not declared by e.
func (e *Element) appendDecl(b []byte, done *prefixSet, prefix []byte) []byte {
	if done.has(prefix) {
		return b
	}
	done.add(prefix)
	a, ok := e.Scope.Lookup(string(prefix)) // no allocation: Lookup keeps nothing
	if !ok {
		return b
	}
	return appendDeclAttr(b, string(prefix), a.Value)
}

// appendDeclAttr appends the declaration of prefix (empty for the default
// namespace) as uri.
func appendDeclAttr(b []byte, prefix, uri string) []byte {
	if len(prefix) == 0 {
		b = append(b, ` xmlns="`...)
	} else {
		b = append(b, ` xmlns:`...)
		b = append(b, prefix...)
		b = append(b, `="`...)
	}
	b = appendAttrValue(b, uri)
	return append(b, '"')
}

// prefixSet is the prefixes Standalone has handled: those the element
// declares itself (own), "xmlns", and those seen in Raw, kept as slices of
// it (no copies) in an array while they are few (a token uses a handful)
// and in a map beyond, so that a hostile part with thousands of distinct
// prefix-like runs stays linear.
type prefixSet struct {
	own  []xml.Attr
	list [16][]byte
	n    int
	m    map[string]bool
}

func (s *prefixSet) has(p []byte) bool {
	if string(p) == "xmlns" {
		return true
	}
	for _, a := range s.own {
		if isDecl(a) && declPrefix(a) == string(p) {
			return true
		}
	}
	if s.m != nil {
		return s.m[string(p)]
	}
	for _, q := range s.list[:s.n] {
		if string(q) == string(p) {
			return true
		}
	}
	return false
}

func (s *prefixSet) add(p []byte) {
	switch {
	case s.m != nil:
		s.m[string(p)] = true
	case s.n < len(s.list):
		s.list[s.n] = p
		s.n++
	default:
		s.m = make(map[string]bool, 2*len(s.list))
		for _, q := range s.list {
			s.m[string(q)] = true
		}
		s.m[string(p)] = true
	}
}

func isSpaceOrTagEnd(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '>' || c == '/'
}

// appendAttrValue appends s escaped as escapeAttr escapes it; namespace
// URIs almost never need escaping, so that case copies them as they are.
func appendAttrValue(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\'' || c == '&' || c == '<' || c == '>' {
			return append(b, escapeAttr(s)...)
		}
	}
	return append(b, s...)
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
	dec := decoder{d: xml.NewDecoder(bytes.NewReader(data)), data: data, opts: &opts, msg: &Message{}}
	if err := dec.envelope(); err != nil {
		if dec.fault {
			return dec.msg, err
		}
		return nil, err
	}
	return dec.msg, nil
}

// decoder is the state of one Decode, read by recursive descent: envelope
// reads the prolog, the Envelope and the epilogue; sections the Envelope's
// children; headers and body their own children.
type decoder struct {
	d     *xml.Decoder
	data  []byte
	opts  *DecodeOptions
	msg   *Message
	envNS string
	// fault is set when the error returned is the message's fault.
	fault bool
}

func envelopeError(err error) error { return &fedavail.XMLError{Context: "SOAP envelope", Err: err} }

// next returns the next token and the offset where it starts.
func (dec *decoder) next() (xml.Token, int64, error) {
	off := dec.d.InputOffset()
	tok, err := dec.d.Token()
	return tok, off, err
}

func (dec *decoder) envelope() error {
	var root xml.StartElement
	for root.Name.Local == "" {
		tok, _, err := dec.next()
		if err == io.EOF {
			return envelopeError(io.ErrUnexpectedEOF)
		}
		if err != nil {
			return envelopeError(err)
		}
		if t, ok := tok.(xml.StartElement); ok {
			root = t
		}
	}
	if err := dec.version(root.Name); err != nil {
		return err
	}
	if err := dec.sections(NewScope(nil, root.Attr)); err != nil {
		return err
	}
	// The epilogue: no more elements.
	for {
		tok, _, err := dec.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return envelopeError(err)
		}
		if t, ok := tok.(xml.StartElement); ok {
			return envelopeError(fmt.Errorf("unexpected <%s> after Body", t.Name.Local))
		}
	}
}

// version checks the root element and sets the message's SOAP version.
func (dec *decoder) version(root xml.Name) error {
	if root.Local != "Envelope" {
		return envelopeError(fmt.Errorf("root element is <%s>, want <Envelope>", root.Local))
	}
	switch root.Space {
	case ns.SOAP11:
		dec.msg.Version = V11
	case ns.SOAP12:
		dec.msg.Version = V12
	default:
		want := ns.SOAP11
		if dec.opts.Version == V12 {
			want = ns.SOAP12
		}
		return &fedavail.NamespaceError{Element: "Envelope", Got: root.Space, Want: want}
	}
	if v := dec.opts.Version; v != 0 && v != dec.msg.Version {
		return &fedavail.NamespaceError{Element: "Envelope", Got: root.Space, Want: v.Namespace()}
	}
	dec.envNS = root.Space
	return nil
}

// sections reads the Envelope's children (an optional Header, then one
// Body) up to its end tag.
func (dec *decoder) sections(scope *Scope) error {
	gotBody := false
	for {
		tok, _, err := dec.next()
		if err != nil {
			return envelopeError(err)
		}
		switch t := tok.(type) {
		case xml.EndElement:
			if !gotBody {
				return envelopeError(errors.New("no Body"))
			}
			return nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return envelopeError(errors.New("text outside header blocks"))
			}
		case xml.StartElement:
			if t.Name.Space != dec.envNS {
				return envelopeError(fmt.Errorf("unexpected <%s> in %q inside Envelope", t.Name.Local, t.Name.Space))
			}
			switch {
			case t.Name.Local == "Header" && gotBody:
				return envelopeError(errors.New("Header after Body"))
			case t.Name.Local == "Header":
				err = dec.headers(NewScope(scope, t.Attr))
			case t.Name.Local == "Body" && gotBody:
				return envelopeError(errors.New("two Body elements"))
			case t.Name.Local == "Body":
				gotBody = true
				err = dec.body(NewScope(scope, t.Attr))
			default:
				return envelopeError(fmt.Errorf("unexpected <%s> inside Envelope", t.Name.Local))
			}
			if err != nil {
				return err
			}
		}
	}
}

// headers keeps every header block raw, sharing the section's scope.
func (dec *decoder) headers(scope *Scope) error {
	for {
		tok, off, err := dec.next()
		if err != nil {
			return envelopeError(err)
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return envelopeError(errors.New("text outside header blocks"))
			}
		case xml.StartElement:
			if err := dec.d.Skip(); err != nil {
				return &fedavail.XMLError{Context: "SOAP header", Err: err}
			}
			dec.msg.Headers = append(dec.msg.Headers, Element{Name: t.Name, Attr: copyAttrs(t.Attr), Raw: dec.data[off:dec.d.InputOffset()], Scope: scope})
		}
	}
}

// body reads the Body's first element — a fault, or the body decoded into
// opts.Body — and skips the others.
func (dec *decoder) body(scope *Scope) error {
	done := false
	for {
		tok, off, err := dec.next()
		if err != nil {
			return envelopeError(err)
		}
		t, ok := tok.(xml.StartElement)
		switch {
		case !ok:
			if _, end := tok.(xml.EndElement); end {
				if l := dec.opts.BodyName.Local; l != "" && !done {
					return &fedavail.XMLError{Context: "SOAP body", Err: fmt.Errorf("empty, want <%s>", l)}
				}
				return nil
			}
			continue // text is allowed in the Body
		case done:
			if err := dec.d.Skip(); err != nil {
				return &fedavail.XMLError{Context: "SOAP body", Err: err}
			}
			continue
		}
		done = true
		el := Element{Name: t.Name, Attr: copyAttrs(t.Attr), Scope: scope}
		if t.Name.Space == dec.envNS && t.Name.Local == "Fault" {
			return dec.faultBody(el, off)
		}
		if err := checkBodyName(t.Name, dec.opts.BodyName); err != nil {
			return err
		}
		if dec.opts.Body != nil {
			start := t.Copy()
			err = dec.d.DecodeElement(dec.opts.Body, &start)
			if err != nil {
				return &fedavail.XMLError{Context: t.Name.Local, Err: err}
			}
		} else if err := dec.d.Skip(); err != nil {
			return &fedavail.XMLError{Context: "SOAP body", Err: err}
		}
		el.Raw = dec.data[off:dec.d.InputOffset()]
		dec.msg.Body = el
	}
}

// faultBody decodes a fault that starts at off and returns it as the error.
func (dec *decoder) faultBody(el Element, off int64) error {
	if err := dec.d.Skip(); err != nil {
		return &fedavail.XMLError{Context: "SOAP fault", Err: err}
	}
	el.Raw = dec.data[off:dec.d.InputOffset()]
	dec.msg.Body = el
	f, err := decodeFault(&el, dec.msg.Version)
	if err != nil {
		return err
	}
	dec.fault = true
	return f
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
