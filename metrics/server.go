package metrics

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/fedavail/fedavail/internal/opname"
)

// requestInfo is what the wrappers learn about a request while it is
// answered; the Handler wrapper puts it in the request's context.
type requestInfo struct {
	partner atomic.Pointer[string] // set by the Validator wrapper
}

type infoKey struct{}

func infoFrom(ctx context.Context) *requestInfo {
	ri, _ := ctx.Value(infoKey{}).(*requestInfo)
	return ri
}

// Handler counts and times every request h answers.
func (m *Metrics) Handler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		op := opname.Server(r)
		ri := &requestInfo{}
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), infoKey{}, ri)))
		partner := "anonymous"
		switch p := ri.partner.Load(); {
		case p != nil:
			partner = *p
		case r.Header.Get("Authorization") != "":
			partner = "internal"
		}
		m.duration.WithLabelValues(op).Observe(time.Since(start).Seconds())
		m.requests.WithLabelValues(op, partner, outcome(rec.status)).Inc()
		for code, n := range rec.codes.counts {
			m.codes.WithLabelValues(op, partner, code).Add(float64(n))
		}
	})
}

// recorder keeps the status and reads the response codes of what passes.
type recorder struct {
	http.ResponseWriter
	status int
	wrote  bool
	codes  codeScanner
}

func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(p []byte) (int, error) {
	r.wrote = true
	r.codes.scan(p)
	return r.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the real writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// codeScanner finds the text of ResponseCode and ErrorCode elements in a
// stream of XML, whatever their prefix, in one pass with a few bytes of
// state: the cost is linear in the answer and its memory constant.
type codeScanner struct {
	tail   [len("ResponseCode>")]byte // the last bytes seen
	n      int                        // how many of tail are filled
	inCode bool
	code   []byte
	counts map[string]int
}

// maxCode bounds a code's length; EWS's longest is well under it.
const maxCode = 64

func (s *codeScanner) scan(p []byte) {
	for _, b := range p {
		if s.inCode {
			switch {
			case b == '<':
				if len(s.code) > 0 {
					if s.counts == nil {
						s.counts = map[string]int{}
					}
					s.counts[string(s.code)]++
				}
				s.inCode, s.code = false, s.code[:0]
			case (b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9') && len(s.code) < maxCode:
				s.code = append(s.code, b)
			default: // not a code: white space after an end tag, or too long
				s.inCode, s.code = false, s.code[:0]
			}
		}
		if s.n < len(s.tail) {
			s.n++
		}
		copy(s.tail[:], s.tail[1:])
		s.tail[len(s.tail)-1] = b
		if b == '>' && (s.endsWith("ResponseCode>") || s.endsWith("ErrorCode>")) {
			s.inCode = true
		}
	}
}

func (s *codeScanner) endsWith(suffix string) bool {
	if s.n < len(suffix) {
		return false
	}
	return string(s.tail[len(s.tail)-len(suffix):]) == suffix
}
