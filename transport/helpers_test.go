package transport_test

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/fedavail/fedavail/fedtest"
)

// keys are the certificates of all tests. RSA key generation is slow
// under the race detector, so they are made once for the package.
type keys struct {
	ca *fedtest.CA
	// server is valid for every host name the tests use.
	server *fedtest.KeyPair
	// client is a client certificate issued by ca.
	client *fedtest.KeyPair
}

var makeKeys = sync.OnceValues(func() (*keys, error) {
	ca, err := fedtest.NewCA()
	if err != nil {
		return nil, err
	}
	names := slices.Concat(remoteHosts, localHosts, []string{legacyHost, modernHost, "127.0.0.1"})
	server, err := ca.Issue(names...)
	if err != nil {
		return nil, err
	}
	client, err := ca.Issue("fabrikam.test")
	if err != nil {
		return nil, err
	}
	return &keys{ca: ca, server: server, client: client}, nil
})

func testKeys(t *testing.T) *keys {
	t.Helper()
	k, err := makeKeys()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// startTLS starts a TLS server on 127.0.0.1 with the shared server
// certificate; edit, if not nil, adjusts the server (its TLS field, say)
// before it starts.
func startTLS(t *testing.T, h http.Handler, edit func(*httptest.Server)) *httptest.Server {
	t.Helper()
	k := testKeys(t)
	s := httptest.NewUnstartedServer(h)
	s.TLS = &tls.Config{Certificates: []tls.Certificate{k.server.TLSCertificate()}}
	if edit != nil {
		edit(s)
	}
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// world is one TLS server answering for several host names, all on
// 127.0.0.1: the partners, the trust broker and the local hosts of the proxy
// tests.
type world struct {
	ca     *fedtest.CA
	origin *fedtest.Origin
	// dial maps every name's port 443 to the server.
	dial map[string]string
}

// Host names: the first three are on the internet side, the next two are
// local (bypassed by the NHSmail-style list), the last two are partners of
// the TLS tests.
var (
	remoteHosts = []string{"autodiscover.fabrikam.test", "sts.broker.test", "ews.fabrikam.test"}
	localHosts  = []string{"mail.contoso.internal", "intranet"}
)

const (
	legacyHost = "legacy.partner.test"
	modernHost = "modern.partner.test"
)

func newWorld(t *testing.T) *world {
	t.Helper()
	o := &fedtest.Origin{}
	srv := startTLS(t, o, nil)
	w := &world{ca: testKeys(t).ca, origin: o, dial: map[string]string{}}
	for _, h := range slices.Concat(remoteHosts, localHosts) {
		w.dial[net.JoinHostPort(h, "443")] = srv.Listener.Addr().String()
	}
	return w
}

// recordingDialer is a Config.DialContext that maps names to loopback ports
// and records every address the transport dialled itself (not through a
// SOCKS proxy's far side).
type recordingDialer struct {
	m      map[string]string
	mu     sync.Mutex
	dialed []string
}

func (d *recordingDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.dialed = append(d.dialed, addr)
	d.mu.Unlock()
	if to, ok := d.m[addr]; ok {
		addr = to
	}
	var nd net.Dialer
	return nd.DialContext(ctx, network, addr)
}

// addrs returns the distinct dialled addresses, sorted.
func (d *recordingDialer) addrs() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return sortedSet(d.dialed)
}

func sortedSet(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

// get sends a GET and returns the response, its body read and closed, and
// the body.
func get(t *testing.T, c *http.Client, url string) (*http.Response, string, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, string(b), err
}
