package fedtest

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"
)

// ProxyOptions configure [NewConnectProxy] and [NewSOCKS5Proxy].
type ProxyOptions struct {
	// Dial maps a target "host:port", as the client asked for it, to the
	// address the proxy really connects to, so that names such as
	// "autodiscover.fabrikam.test:443" reach a test server's 127.0.0.1
	// port. Targets not in the map are dialled as given. Keys are compared
	// case-insensitively.
	Dial map[string]string
	// User and Password, when User is not empty, are the credentials
	// clients must present: Basic Proxy-Authorization for the HTTP proxy,
	// RFC 1929 username/password for SOCKS5.
	User, Password string
}

// ConnectProxy is an HTTP proxy on 127.0.0.1: it tunnels CONNECT requests
// (how clients reach https:// servers through a proxy) and forwards
// absolute-URI requests for http:// servers. It records the targets it
// served, so tests can tell which traffic went through it.
type ConnectProxy struct {
	opts ProxyOptions
	ln   net.Listener
	srv  *http.Server
	fwd  *http.Transport
	rp   *httputil.ReverseProxy
	rec  recorder
	live tracker
	done chan struct{}
}

// NewConnectProxy starts an HTTP proxy on a free 127.0.0.1 port. Close it
// when done.
func NewConnectProxy(opts ProxyOptions) (*ConnectProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &ConnectProxy{opts: opts, ln: ln, done: make(chan struct{})}
	p.fwd = &http.Transport{
		Proxy:       nil,
		DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) { return opts.dial(ctx, addr) },
	}
	p.rp = &httputil.ReverseProxy{
		// The incoming URL is already absolute; ReverseProxy strips the
		// hop-by-hop headers, Proxy-Authorization among them.
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.Out.Host = pr.In.Host },
		Transport: p.fwd,
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			http.Error(w, "fedtest proxy: "+err.Error(), http.StatusBadGateway)
		},
	}
	p.srv = &http.Server{
		Handler:           http.HandlerFunc(p.serveHTTP),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go func() {
		defer close(p.done)
		_ = p.srv.Serve(ln)
	}()
	return p, nil
}

// Addr returns "127.0.0.1:port".
func (p *ConnectProxy) Addr() string { return p.ln.Addr().String() }

// URL returns the proxy's URL, http://127.0.0.1:port, without credentials.
func (p *ConnectProxy) URL() *url.URL { return &url.URL{Scheme: "http", Host: p.Addr()} }

// Targets returns the "host:port" targets served so far, in order, one per
// tunnel or forwarded request.
func (p *ConnectProxy) Targets() []string { return p.rec.list() }

// Close stops the proxy, ends its tunnels and waits for its goroutines.
func (p *ConnectProxy) Close() error {
	err := p.srv.Close()
	p.live.close()
	<-p.done
	p.fwd.CloseIdleConnections()
	return err
}

func (p *ConnectProxy) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if !p.live.start() {
		http.Error(w, "fedtest proxy: closing", http.StatusServiceUnavailable)
		return
	}
	defer p.live.finish()
	if !p.opts.basicOK(r.Header.Get("Proxy-Authorization")) {
		w.Header().Set("Proxy-Authenticate", `Basic realm="fedtest"`)
		http.Error(w, "fedtest proxy: authentication required", http.StatusProxyAuthRequired)
		return
	}
	if r.Method == http.MethodConnect {
		p.tunnel(w, r)
		return
	}
	if r.URL.Scheme != "http" || r.URL.Host == "" {
		http.Error(w, "fedtest proxy: want CONNECT or an absolute http:// URI", http.StatusBadRequest)
		return
	}
	target := r.URL.Host
	if r.URL.Port() == "" {
		target = net.JoinHostPort(r.URL.Hostname(), "80")
	}
	p.rec.add(target)
	p.rp.ServeHTTP(w, r)
}

func (p *ConnectProxy) tunnel(w http.ResponseWriter, r *http.Request) {
	upstream, err := p.opts.dial(r.Context(), r.Host)
	if err != nil {
		http.Error(w, "fedtest proxy: "+err.Error(), http.StatusBadGateway)
		return
	}
	client, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		upstream.Close()
		http.Error(w, "fedtest proxy: "+err.Error(), http.StatusInternalServerError)
		return
	}
	if !p.live.track(client, upstream) {
		return
	}
	defer p.live.untrack(client, upstream)
	if _, err := io.WriteString(client, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}
	p.rec.add(r.Host)
	// Bytes the client sent after its CONNECT request that the server has
	// already read belong to the tunnel.
	if n := brw.Reader.Buffered(); n > 0 {
		b, _ := brw.Reader.Peek(n)
		if _, err := upstream.Write(b); err != nil {
			return
		}
	}
	pipe(client, upstream)
}

// basicOK checks a Basic Proxy-Authorization header value.
func (o *ProxyOptions) basicOK(h string) bool {
	if o.User == "" {
		return true
	}
	scheme, enc, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil {
		return false
	}
	user, pass, _ := strings.Cut(string(raw), ":")
	return o.credentialsOK(user, pass)
}

func (o *ProxyOptions) credentialsOK(user, pass string) bool {
	u := subtle.ConstantTimeCompare([]byte(user), []byte(o.User))
	p := subtle.ConstantTimeCompare([]byte(pass), []byte(o.Password))
	return u&p == 1
}

// dial connects to target through the Dial map.
func (o *ProxyOptions) dial(ctx context.Context, target string) (net.Conn, error) {
	for from, to := range o.Dial {
		if strings.EqualFold(from, target) {
			target = to
			break
		}
	}
	d := net.Dialer{Timeout: 5 * time.Second}
	return d.DialContext(ctx, "tcp", target)
}

// recorder keeps the targets a proxy served.
type recorder struct {
	mu      sync.Mutex
	targets []string
}

func (r *recorder) add(target string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.targets = append(r.targets, target)
}

func (r *recorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.targets...)
}

// tracker counts a proxy's running handlers and holds their open tunnel
// connections, so that close can end the tunnels and wait for the handlers.
type tracker struct {
	mu     sync.Mutex
	closed bool
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
}

// start registers a handler; false means the proxy is closing.
func (t *tracker) start() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.wg.Add(1) // under mu, so never concurrent with close's Wait at zero
	return true
}

func (t *tracker) finish() { t.wg.Done() }

// track holds conns until untrack; when the proxy is closing it closes
// them and returns false.
func (t *tracker) track(conns ...net.Conn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		for _, c := range conns {
			c.Close()
		}
		return false
	}
	if t.conns == nil {
		t.conns = map[net.Conn]struct{}{}
	}
	for _, c := range conns {
		t.conns[c] = struct{}{}
	}
	return true
}

func (t *tracker) untrack(conns ...net.Conn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, c := range conns {
		c.Close()
		delete(t.conns, c)
	}
}

// close refuses new handlers, closes tracked connections and waits for the
// running handlers.
func (t *tracker) close() {
	t.mu.Lock()
	t.closed = true
	for c := range t.conns {
		c.Close()
	}
	t.mu.Unlock()
	t.wg.Wait()
}

// pipe copies between a and b until either side ends, then closes both.
func pipe(a, b net.Conn) {
	done := make(chan struct{}, 2)
	cp := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go cp(a, b)
	go cp(b, a)
	<-done
	a.Close()
	b.Close()
	<-done
}
