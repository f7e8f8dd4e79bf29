package federation_test

import (
	"context"
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/federation/broker"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/transport"
)

// testProxy is what the tests need of fedtest's two proxies.
type testProxy interface {
	URL() *url.URL
	Addr() string
	Targets() []string
	Close() error
}

// recordingDialer is a Transport.DialContext that records every address
// it is asked for and connects only to those it knows: a request that
// reaches a server it does not know can only have gone through a proxy.
type recordingDialer struct {
	known map[string]string // host:port → 127.0.0.1:port

	mu    sync.Mutex
	asked []string
}

func (d *recordingDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.asked = append(d.asked, addr)
	d.mu.Unlock()
	to, ok := d.known[strings.ToLower(addr)]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: addr, IsNotFound: true}
	}
	var nd net.Dialer
	return nd.DialContext(ctx, network, to)
}

// dialled returns the addresses asked for, other than except, sorted and
// without repeats.
func (d *recordingDialer) dialled(except string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return set(slices.DeleteFunc(slices.Clone(d.asked), func(a string) bool { return a == except }))
}

// set sorts s and drops repeats: proxies record one target per tunnel.
func set(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

// The client's own transport sends the trust broker's metadata and token
// requests, the partner's Autodiscover and its EWS through an HTTP CONNECT
// or a SOCKS5 proxy, and the hosts of the bypass list directly. The proxy's
// credentials reach neither the servers nor the logs.
func TestAvailabilityThroughProxy(t *testing.T) {
	const user, password = "contoso-proxy", "pr0xy-s3cret"
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	proxies := []struct {
		name  string
		start func(fedtest.ProxyOptions) (testProxy, error)
	}{
		{"CONNECT", func(o fedtest.ProxyOptions) (testProxy, error) { return fedtest.NewConnectProxy(o) }},
		{"SOCKS5", func(o fedtest.ProxyOptions) (testProxy, error) { return fedtest.NewSOCKS5Proxy(o) }},
	}
	const (
		sts  = "sts.test:443"
		ad   = "autodiscover.fabrikam.test:443"
		mail = "mail.fabrikam.test:443"
	)
	tests := []struct {
		name            string
		bypass          string
		proxied, direct []string
	}{
		{"everything", "", []string{ad, mail, sts}, nil},
		{"bypass", "<local>;*.fabrikam.test", []string{sts}, []string{ad, mail}},
	}
	for _, px := range proxies {
		for _, tt := range tests {
			t.Run(px.name+"/"+tt.name, func(t *testing.T) {
				w := newWorld(t)
				p, err := px.start(fedtest.ProxyOptions{Dial: w.dialMap(), User: user, Password: password})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { p.Close() })
				d := &recordingDialer{known: map[string]string{p.Addr(): p.Addr()}}
				for _, h := range tt.direct {
					d.known[h] = w.dialMap()[h]
				}
				var leaks []string
				w.mu.Lock()
				w.onRequest = func(r *http.Request) {
					for name, vs := range r.Header {
						for _, v := range vs {
							if strings.EqualFold(name, "Proxy-Authorization") || strings.Contains(v, password) || strings.Contains(v, basic) {
								w.mu.Lock()
								leaks = append(leaks, r.Host+": "+name)
								w.mu.Unlock()
							}
						}
					}
				}
				w.mu.Unlock()

				proxyURL := p.URL()
				proxyURL.User = url.UserPassword(user, password)
				var logs fedtest.LogBuffer
				cfg := w.config(t, rel("Fabrikam", "fabrikam.test"))
				cfg.HTTPClient = nil
				cfg.Transport = transport.Config{ProxyURL: proxyURL.String(), ProxyBypass: tt.bypass, RootCAs: w.k.ca.Pool(), DialContext: d.DialContext}
				cfg.Logger = logs.Logger()
				c, err := federation.NewClient(cfg)
				if err != nil {
					t.Fatal(err)
				}
				w.askDana(t, c)

				if diff := cmp.Diff(tt.proxied, set(p.Targets()), cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("targets through the proxy (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tt.direct, d.dialled(p.Addr()), cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("hosts dialled directly (-want +got):\n%s", diff)
				}
				// Every step reached its server, over one of the two ways.
				for _, hp := range []string{
					"sts.test " + strings.ToLower(broker.MetadataPath),
					"sts.test " + strings.ToLower(broker.TokenPath),
					"autodiscover.fabrikam.test /autodiscover/autodiscover.svc",
					"autodiscover.fabrikam.test /autodiscover/autodiscover.svc/wssecurity",
					"mail.fabrikam.test /ews/exchange.asmx/wssecurity",
				} {
					if w.requests(hp) == 0 {
						t.Errorf("no request for %s", hp)
					}
				}
				w.mu.Lock()
				if len(leaks) > 0 {
					t.Errorf("proxy credentials reached servers: %q", leaks)
				}
				w.mu.Unlock()
				if l := logs.String(); strings.Contains(l, password) || strings.Contains(l, basic) {
					t.Errorf("proxy credentials logged:\n%s", l)
				}
			})
		}
	}
}
