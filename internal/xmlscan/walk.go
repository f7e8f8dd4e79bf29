package xmlscan

// The helpers below walk the element whose start tag was just read, the way
// encoding/xml's Unmarshal walks it for a struct or a simple-typed field.

// Skip reads to the end of the element whose start tag was just read,
// checking what Next checks but resolving no names inside it: nothing
// looks at them.
func (r *Reader) Skip() error {
	depth := len(r.open)
	for len(r.open) >= depth {
		if _, err := r.next(false); err != nil {
			return err
		}
	}
	return nil
}

// Children calls f for each child element of the element whose start tag
// was just read; f must consume the child to its end. Text between
// children is ignored, as Unmarshal ignores it for struct fields.
func (r *Reader) Children(f func(Name) error) error {
	for {
		kind, err := r.Next()
		if err != nil {
			return err
		}
		switch kind {
		case StartElement:
			if err := f(r.Name()); err != nil {
				return err
			}
		case EndElement:
			return nil
		}
	}
}

// ReadText reads the element whose start tag was just read and returns its
// own character data, skipping child elements, as Unmarshal does for
// simple-typed fields. The result is only valid until the next call.
func (r *Reader) ReadText() ([]byte, error) {
	buf := r.textBuf[:0]
	depth := len(r.open)
	for {
		kind, err := r.Next()
		if err != nil {
			return nil, err
		}
		switch kind {
		case CharData:
			if len(r.open) == depth {
				buf = append(buf, r.s.text...)
			}
		case EndElement:
			if len(r.open) < depth {
				r.textBuf = buf
				return buf, nil
			}
		}
	}
}

// ReadString is ReadText as a string, interned as names are: a short value
// that documents repeat (an enumeration, a time of day, an address the
// previous document also held) costs no allocation the second time.
// Strings longer than maxInternedLen are copies.
func (r *Reader) ReadString() (string, error) {
	b, err := r.ReadText()
	if err != nil {
		return "", err
	}
	return r.intern(b), nil
}
