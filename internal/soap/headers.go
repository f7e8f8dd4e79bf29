package soap

import (
	"bytes"
	"crypto/rand"
	"encoding/xml"
	"fmt"
	"io"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/ns"
)

// Addressing returns the WS-Addressing header blocks Exchange sends: Action,
// To, and (when messageID is not empty) MessageID and an anonymous ReplyTo.
func Addressing(action, to, messageID string) []any {
	h := []any{
		RawXML(fmt.Sprintf(`<a:Action xmlns:a="%s">%s</a:Action>`, ns.WSA, esc(action))),
		RawXML(fmt.Sprintf(`<a:To xmlns:a="%s">%s</a:To>`, ns.WSA, esc(to))),
	}
	if messageID != "" {
		h = append(h,
			RawXML(fmt.Sprintf(`<a:MessageID xmlns:a="%s">%s</a:MessageID>`, ns.WSA, esc(messageID))),
			RawXML(fmt.Sprintf(`<a:ReplyTo xmlns:a="%s"><a:Address>%s</a:Address></a:ReplyTo>`, ns.WSA, ns.WSAAnon)))
	}
	return h
}

// NewMessageID returns "urn:uuid:" and a random (version 4) UUID.
func NewMessageID(r io.Reader) string {
	if r == nil {
		r = rand.Reader
	}
	var b [16]byte
	_, _ = io.ReadFull(r, b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Security returns a wsse:Security header block (mustUnderstand) whose only
// child is token, verbatim — Exchange's form for delegation tokens.
func Security(v Version, token []byte) RawXML {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<o:Security xmlns:o="%s" xmlns:s="%s" s:mustUnderstand="1">`, ns.WSSE, v.Namespace())
	b.Write(token)
	b.WriteString(`</o:Security>`)
	return b.Bytes()
}

// HeaderText returns the trimmed text of the first header block with this
// name (for wsa:Action, wsa:To, RequestedServerVersion), or "".
func (m *Message) HeaderText(space, local string) string {
	h := m.Header(space, local)
	if h == nil {
		return ""
	}
	if text, ok := plainText(h.Raw); ok {
		return text
	}
	var v struct {
		Text string `xml:",chardata"`
	}
	if err := h.Decode(&v); err != nil {
		return ""
	}
	return string(bytes.TrimSpace([]byte(v.Text)))
}

// PlainHeaderText is [Message.HeaderText] without a copy, for the usual
// header of plain text (no markup, references, carriage returns or bytes
// over 0x7f): its text, trimmed, as it stands in the message's bytes (which
// the caller must not keep past them). ok is false when there is no such
// header or its text needs a parser; HeaderText reads it then.
func (m *Message) PlainHeaderText(space, local string) (text []byte, ok bool) {
	h := m.Header(space, local)
	if h == nil {
		return nil, false
	}
	return plainTextBytes(h.Raw)
}

// plainText is HeaderText's fast path for the usual header: text with no
// markup, references or carriage returns, which reads as it stands, so
// encoding/xml (a tenth of a warm EWS request) is not needed. ok is false
// for anything else.
func plainText(raw []byte) (string, bool) {
	text, ok := plainTextBytes(raw)
	if !ok {
		return "", false
	}
	return string(text), true
}

// plainTextBytes is plainText without the copy.
func plainTextBytes(raw []byte) ([]byte, bool) {
	// The start tag ends at the first '>' outside quoted attribute values.
	var quote byte
	gt := -1
	for i := 1; i < len(raw) && gt < 0; i++ {
		switch c := raw[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			gt = i
		}
	}
	end := bytes.LastIndex(raw, []byte("</"))
	if gt < 0 || end <= gt || raw[gt-1] == '/' {
		return nil, false
	}
	text := raw[gt+1 : end]
	for _, c := range text {
		// Control characters other than tab and newline are either not
		// XML or (\r) normalized by a parser; bytes over 0x7f need a check
		// of their encoding. All go the long way.
		if c == '<' || c == '&' || c >= 0x80 || c < 0x20 && c != '\t' && c != '\n' {
			return nil, false
		}
	}
	return bytes.TrimSpace(text), true
}

// Children returns the child elements of el, sharing one scope: the
// namespace declarations el inherits and its own.
func Children(el *Element) ([]Element, error) {
	data := el.Standalone()
	d := xml.NewDecoder(bytes.NewReader(data))
	scope := NewScope(el.Scope, el.Attr)
	var out []Element
	depth := 0
	for {
		off := d.InputOffset()
		tok, err := d.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, &fedavail.XMLError{Context: el.Name.Local, Err: err}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				depth++
				continue
			}
			child := Element{Name: t.Name, Attr: copyAttrs(t.Attr), Scope: scope}
			if err := d.Skip(); err != nil {
				return nil, &fedavail.XMLError{Context: el.Name.Local, Err: err}
			}
			child.Raw = data[off:d.InputOffset()]
			out = append(out, child)
		case xml.EndElement:
			depth--
		}
	}
}

// SecurityToken returns the first child of the wsse:Security header, made
// standalone, or nil when the message has no such header or it is empty.
func (m *Message) SecurityToken() (*Element, error) {
	h := m.Header(ns.WSSE, "Security")
	if h == nil {
		return nil, nil
	}
	kids, err := Children(h)
	if err != nil || len(kids) == 0 {
		return nil, err
	}
	return &kids[0], nil
}
