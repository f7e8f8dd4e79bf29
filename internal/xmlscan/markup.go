package xmlscan

import (
	"bytes"
	"errors"
)

// procInst checks and skips "<?target ...?>".
func (s *scanner) procInst() error {
	target, _, _, ok := s.readName()
	if !ok {
		return s.fail("expected target name after <?")
	}
	s.space()
	end := bytes.Index(s.data[s.pos:], []byte("?>"))
	if end < 0 {
		return s.fail("unexpected EOF")
	}
	content := s.data[s.pos : s.pos+end]
	s.pos += end + 2
	if string(target) == "xml" {
		if v := procInstParam("version=", content); v != nil && string(v) != "1.0" {
			return s.fail("unsupported XML version")
		}
		if enc := procInstParam("encoding=", content); enc != nil && !bytes.EqualFold(enc, []byte("utf-8")) {
			return s.fail("unsupported encoding")
		}
	}
	return nil
}

// procInstParam is encoding/xml's procInst: the quoted value after the
// first param (which ends in '=') that is followed by a quote, nil for none
// or an empty one. It reads content in place, allocating nothing: every
// request begins with a declaration.
func procInstParam(param string, content []byte) []byte {
	i := 0
	var sep byte
	for i < len(content) {
		sub := content[i:]
		k := bytes.Index(sub, []byte(param))
		if k < 0 || len(param)+k >= len(sub) {
			return nil
		}
		i += len(param) + k + 1
		if c := sub[len(param)+k]; c == '\'' || c == '"' {
			sep = c
			break
		}
	}
	if sep == 0 {
		return nil
	}
	j := bytes.IndexByte(content[i:], sep)
	if j <= 0 {
		return nil
	}
	return content[i : i+j]
}

var errDirective = errors.New("xmlscan: XML directives are not allowed")

// bang scans what follows "<!": a comment (checked and skipped) or a CDATA
// section (returned as text).
func (s *scanner) bang() (skipped bool, err error) {
	rest := s.data[s.pos:]
	switch {
	case len(rest) == 0:
		return false, s.fail("unexpected EOF")
	case rest[0] == '-':
		if len(rest) < 2 || rest[1] != '-' {
			return false, s.fail("invalid sequence <!- not part of <!--")
		}
		body := rest[2:]
		i := bytes.Index(body, []byte("--"))
		if i < 0 || i+2 >= len(body) {
			return false, s.fail("unexpected EOF")
		}
		if body[i+2] != '>' {
			return false, s.fail(`invalid sequence "--" not allowed in comments`)
		}
		s.pos += 2 + i + 3
		return true, nil
	case rest[0] == '[':
		const open = "[CDATA["
		if !bytes.HasPrefix(rest, []byte(open)) {
			return false, s.fail("invalid <![ sequence")
		}
		body := rest[len(open):]
		i := bytes.Index(body, []byte("]]>"))
		if i < 0 {
			return false, s.fail("unexpected EOF in CDATA section")
		}
		text := body[:i]
		s.pos += len(open) + i + 3
		if bytes.IndexByte(text, '\r') >= 0 {
			buf := s.scratch[:0]
			for j, c := range text {
				switch {
				case c == '\r':
					buf = append(buf, '\n')
				case c == '\n' && j > 0 && text[j-1] == '\r':
				default:
					buf = append(buf, c)
				}
			}
			s.scratch, text = buf[:0], buf
		}
		if err := s.checkChars(text); err != nil {
			return false, err
		}
		s.kind, s.text, s.attrs = CharData, text, s.attrs[:0]
		return false, nil
	}
	return false, errDirective
}
