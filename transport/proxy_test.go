package transport_test

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/http/httpproxy"

	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/transport"
)

// The NHSmail partner guide's bypass list.
const nhsBypass = "<local>;*.contoso.internal;192.168.*"

// testProxy is what the tests need of the fedtest proxies.
type testProxy interface {
	URL() *url.URL
	Addr() string
	Targets() []string
	Close() error
}

func TestProxyRouting(t *testing.T) {
	const user, pass = "proxyuser", "pr0xy-s3cret"
	start := map[string]func(fedtest.ProxyOptions) (testProxy, error){
		"CONNECT": func(o fedtest.ProxyOptions) (testProxy, error) { return fedtest.NewConnectProxy(o) },
		"SOCKS5":  func(o fedtest.ProxyOptions) (testProxy, error) { return fedtest.NewSOCKS5Proxy(o) },
	}
	for name, newProxy := range start {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			opts := fedtest.ProxyOptions{Dial: w.dial, User: user, Password: pass}
			p, err := newProxy(opts)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			pu := p.URL()
			pu.User = url.UserPassword(user, pass)
			d := &recordingDialer{m: w.dial}
			var logs fedtest.LogBuffer
			c, err := transport.New(transport.Config{
				ProxyURL:    pu.String(),
				ProxyBypass: nhsBypass,
				RootCAs:     w.ca.Pool(),
				DialContext: d.DialContext,
				Logger:      logs.Logger(),
			})
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseIdleConnections()

			for _, h := range append(slices.Clone(remoteHosts), localHosts...) {
				if resp, _, err := get(t, c, "https://"+h+"/"); err != nil || resp.StatusCode != http.StatusOK {
					t.Fatalf("GET https://%s/: %v", h, err)
				}
			}

			var wantProxied, wantDirect []string
			for _, h := range remoteHosts {
				wantProxied = append(wantProxied, h+":443")
			}
			wantDirect = append(wantDirect, p.Addr())
			for _, h := range localHosts {
				wantDirect = append(wantDirect, h+":443")
			}
			if diff := cmp.Diff(sortedSet(wantProxied), sortedSet(p.Targets())); diff != "" {
				t.Errorf("proxied targets (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(sortedSet(wantDirect), d.addrs()); diff != "" {
				t.Errorf("addresses dialled directly (-want +got):\n%s", diff)
			}
			auth, hosts := w.origin.ProxyAuthorizations(), w.origin.Hosts()
			if len(auth) != 0 {
				t.Errorf("servers received Proxy-Authorization %q", auth)
			}
			if len(hosts) != len(remoteHosts)+len(localHosts) {
				t.Errorf("servers saw requests for %q", hosts)
			}
			if l := logs.String(); strings.Contains(l, pass) || !strings.Contains(l, "proxyuser:xxxxx@"+p.Addr()) {
				t.Errorf("log shows the proxy password or misses the proxy:\n%s", l)
			}
		})
	}
}

func TestProxyFromInjectedEnvironment(t *testing.T) {
	w := newWorld(t)
	p, err := fedtest.NewConnectProxy(fedtest.ProxyOptions{Dial: w.dial})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	d := &recordingDialer{m: w.dial}
	c, err := transport.New(transport.Config{
		ProxyEnv:    &httpproxy.Config{HTTPSProxy: p.URL().String(), NoProxy: ".contoso.internal"},
		RootCAs:     w.ca.Pool(),
		DialContext: d.DialContext,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	for _, h := range []string{"ews.fabrikam.test", "mail.contoso.internal"} {
		if _, _, err := get(t, c, "https://"+h+"/"); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff([]string{"ews.fabrikam.test:443"}, p.Targets()); diff != "" {
		t.Errorf("proxied (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(sortedSet([]string{p.Addr(), "mail.contoso.internal:443"}), d.addrs()); diff != "" {
		t.Errorf("dialled directly (-want +got):\n%s", diff)
	}
}

func TestProxyFunc(t *testing.T) {
	w := newWorld(t)
	p, err := fedtest.NewConnectProxy(fedtest.ProxyOptions{Dial: w.dial})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var asked []string
	c, err := transport.New(transport.Config{
		ProxyFunc: func(r *http.Request) (*url.URL, error) {
			asked = append(asked, r.URL.Host)
			return p.URL(), nil
		},
		RootCAs: w.ca.Pool(),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	if _, _, err := get(t, c, "https://sts.broker.test/"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"sts.broker.test:443"}, p.Targets()); diff != "" {
		t.Errorf("proxied (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"sts.broker.test"}, asked); diff != "" {
		t.Errorf("ProxyFunc asked for (-want +got):\n%s", diff)
	}
}

// TestProxyDown: a proxy that is not there is an error from the dial, not a
// silent direct connection.
func TestProxyDown(t *testing.T) {
	w := newWorld(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	for _, scheme := range []string{"http", "socks5"} {
		d := &recordingDialer{m: w.dial}
		c, err := transport.New(transport.Config{ProxyURL: scheme + "://" + dead, RootCAs: w.ca.Pool(), DialContext: d.DialContext})
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = get(t, c, "https://ews.fabrikam.test/")
		var opErr *net.OpError
		if !errors.As(err, &opErr) {
			t.Errorf("%s proxy down: error %v, want a *net.OpError", scheme, err)
		}
		if diff := cmp.Diff([]string{dead}, d.addrs()); diff != "" {
			t.Errorf("%s proxy down: dialled (-want +got):\n%s", scheme, diff)
		}
	}
}
