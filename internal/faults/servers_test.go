package faults

import (
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/fedavail/fedavail/fedtest"
)

// newCA creates the test CA once per test binary.
var newCA = sync.OnceValues(fedtest.NewCA)

func mustCA(t *testing.T) *fedtest.CA {
	t.Helper()
	ca, err := newCA()
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// partner is a misbehaving server: its base URL ("https://127.0.0.1:port").
type partner func(t *testing.T) string

// serve runs h over TLS with the test CA's certificate. h reads the whole
// request first (so the server notices a client hanging up) and must stop
// when stop is closed, at the end of the test, if the client has not gone.
func serve(h func(w http.ResponseWriter, r *http.Request, stop <-chan struct{})) partner {
	return func(t *testing.T) string {
		stop := make(chan struct{})
		srv, err := mustCA(t).NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			h(w, r, stop)
		}))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(srv.Close)
		t.Cleanup(func() { close(stop) }) // runs first
		return srv.URL
	}
}

// stall waits for the client to hang up or the test to end.
func stall(r *http.Request, stop <-chan struct{}) {
	select {
	case <-r.Context().Done():
	case <-stop:
	}
}

// listen runs accept on every connection of a raw TCP listener, below TLS,
// until the test ends.
func listen(accept func(net.Conn)) partner {
	return func(t *testing.T) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var conns []net.Conn
		var mu sync.Mutex
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				c, err := ln.Accept()
				if err != nil {
					return // the listener was closed
				}
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
				accept(c)
			}
		}()
		t.Cleanup(func() {
			ln.Close()
			<-done
			mu.Lock()
			defer mu.Unlock()
			for _, c := range conns {
				c.Close()
			}
		})
		return "https://" + ln.Addr().String()
	}
}

// down is a partner whose port refuses connections: a listener opened for
// an address and closed again.
func down(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "https://" + addr
}

// The faults.
var (
	// hangAccept accepts TCP connections and never says a word, not even
	// the TLS handshake.
	hangAccept = listen(func(net.Conn) {})
	// reset accepts and resets every connection.
	reset = listen(func(c net.Conn) {
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		c.Close()
	})
	// hangHTTP reads the request and never answers.
	hangHTTP = serve(func(_ http.ResponseWriter, r *http.Request, stop <-chan struct{}) { stall(r, stop) })
	// slow sends the headers and the start of an answer, then stalls.
	slow = serve(func(w http.ResponseWriter, r *http.Request, stop <-chan struct{}) {
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>`))
		w.(http.Flusher).Flush()
		stall(r, stop)
	})
	notXML    = answer(http.StatusOK, "text/xml", "this is not XML at all {\"error\": true}")
	truncated = answer(http.StatusOK, "text/xml", `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><Resp`)
	htmlError = answer(http.StatusInternalServerError, "text/html", "<html><body><h1>500 Internal Server Error</h1><p>nginx</p></body></html>")
	// faultOK is a 200 carrying a SOAP 1.1 Client fault (and a 1.2 Sender
	// fault for WS-Trust): not retried, it must come back as a *fedavail.Fault.
	faultOK = serve(func(w http.ResponseWriter, r *http.Request, _ <-chan struct{}) {
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		if strings.Contains(r.Header.Get("Content-Type"), "soap+xml") {
			w.Header().Set("Content-Type", "application/soap+xml; charset=utf-8")
			_, _ = w.Write([]byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value></s:Code><s:Reason><s:Text xml:lang="en">refused</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>`))
			return
		}
		_, _ = w.Write([]byte(`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring>refused</faultstring></s:Fault></s:Body></s:Envelope>`))
	})
	// endless streams an answer that never ends, until the client hangs up.
	endless = serve(func(w http.ResponseWriter, r *http.Request, stop <-chan struct{}) {
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		_, _ = w.Write([]byte(`<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>`))
		chunk := []byte(strings.Repeat("<x>filler</x>", 4096))
		for {
			select {
			case <-r.Context().Done():
				return
			case <-stop:
				return
			default:
			}
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
)

// answer always answers status with a body of the content type.
func answer(status int, contentType, body string) partner {
	return serve(func(w http.ResponseWriter, _ *http.Request, _ <-chan struct{}) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	})
}
