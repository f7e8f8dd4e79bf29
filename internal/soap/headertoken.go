package soap

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/xmlguard"
	"github.com/fedavail/fedavail/internal/xmlscan"
)

// HeaderToken finds the delegation token before anything else of a
// request is read: the first child element of the first wsse:Security
// header block, in the scope [Message.SecurityToken] gives it. It reads
// (with r) only the Envelope's start tag and the header blocks up to that
// one — never the Body, whatever its size — so that a request without a
// valid token costs little more than its header (issue 12.4). It may run
// before xmlguard.Check, which scans the whole body: the Reader enforces
// l on what it reads (xmlscan.Reader.ResetLimits), resolves prefixes in
// constant time and costs what it reads. It returns nil when there is no
// token, the limit's error (a *fedavail.LimitError or fedavail.ErrDTD)
// when what it reads breaks one, and an *fedavail.XMLError when the
// envelope is malformed before the token.
func HeaderToken(r *xmlscan.Reader, data []byte, l xmlguard.Limits) (*Element, error) {
	if err := r.ResetLimits(data, l); err != nil {
		return nil, err
	}
	if ok, err := nextElement(r, 0); !ok {
		return nil, err
	}
	root := r.StartElement()
	if root.Name.Local != "Envelope" || root.Name.Space != ns.SOAP11 && root.Name.Space != ns.SOAP12 {
		return nil, envelopeError(fmt.Errorf("root element is <%s> in %q, want a SOAP Envelope", root.Name.Local, root.Name.Space))
	}
	if ok, err := nextElement(r, 1); !ok || !r.Name().Is(root.Name.Space, "Header") {
		return nil, err // no Header: no token; the full decode judges the rest
	}
	scope := NewScope(NewScope(nil, root.Attr), r.Attrs())
	for {
		if ok, err := nextElement(r, 2); !ok {
			return nil, err
		}
		// Only the Security block's start tag is copied: there may be
		// thousands of others.
		if !r.Name().Is(ns.WSSE, "Security") {
			if err := r.Skip(); err != nil {
				return nil, skipError("SOAP header", err)
			}
			continue
		}
		scope = NewScope(scope, r.Attrs())
		if ok, err := nextElement(r, 3); !ok {
			return nil, err
		}
		tok, start := r.StartElement(), r.TokenOffset()
		if err := r.Skip(); err != nil {
			return nil, skipError("Security", err)
		}
		return &Element{Name: tok.Name, Attr: tok.Attr, Raw: data[start:r.Offset()], Scope: scope}, nil
	}
}

// nextElement reads on to the next start tag as a child of the element
// open at depth (0 for the root), allowing only white space between the
// Envelope's children and between the header blocks, as Decode does. It
// returns false at the end of the element open at depth, or with an error.
func nextElement(r *xmlscan.Reader, depth int) (bool, error) {
	for {
		kind, err := r.Next()
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		if xmlguard.Refused(err) {
			return false, err
		}
		if err != nil {
			return false, &fedavail.XMLError{Context: "SOAP envelope", Err: err}
		}
		switch kind {
		case xmlscan.StartElement:
			return true, nil
		case xmlscan.EndElement:
			if r.Depth() < depth {
				return false, nil
			}
		case xmlscan.CharData:
			if (depth == 1 || depth == 2) && len(bytes.TrimSpace(r.Text())) > 0 {
				return false, envelopeError(errors.New("text outside header blocks"))
			}
		}
	}
}

func skipError(context string, err error) error {
	if xmlguard.Refused(err) {
		return err
	}
	return &fedavail.XMLError{Context: context, Err: err}
}
