package fedtest

import (
	"io"
	"net/http"
	"slices"
	"sync"
)

// Origin is an [http.Handler] for a server behind a test proxy. It answers
// every request with 200 and "hello from " and the request's host, and
// records each request's Host and Proxy-Authorization header values, so a
// test can check that traffic reached the server under the name the client
// asked for and that the proxy's credentials went no further than the
// proxy. The zero value is ready to use; requests may arrive concurrently.
type Origin struct {
	mu        sync.Mutex
	hosts     []string
	proxyAuth []string
}

// ServeHTTP records r and answers it.
func (o *Origin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	o.hosts = append(o.hosts, r.Host)
	o.proxyAuth = append(o.proxyAuth, r.Header.Values("Proxy-Authorization")...)
	o.mu.Unlock()
	io.WriteString(w, "hello from "+r.Host)
}

// Hosts returns the Host of every request served so far, in arrival order.
func (o *Origin) Hosts() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.hosts)
}

// ProxyAuthorizations returns every Proxy-Authorization header value the
// origin received. A proxy must strip the header, so a passing test expects
// none.
func (o *Origin) ProxyAuthorizations() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.proxyAuth)
}
