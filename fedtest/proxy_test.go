package fedtest_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail/fedtest"
)

// get fetches u with client and returns the status and body.
func get(t *testing.T, client *http.Client, u string) (int, string, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// proxyClient returns a client that trusts ca and sends everything through
// proxyURL; it dials only the proxy, so a request that skipped it would fail.
func proxyClient(t *testing.T, ca *fedtest.CA, proxyURL *url.URL) *http.Client {
	tr := &http.Transport{Proxy: http.ProxyURL(proxyURL), TLSClientConfig: ca.ClientTLSConfig()}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func withUser(u *url.URL, user, pass string) *url.URL {
	c := *u
	c.User = url.UserPassword(user, pass)
	return &c
}

func TestConnectProxy(t *testing.T) {
	ca, err := fedtest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	var tlsOrigin, plainOrigin fedtest.Origin
	tlsSrv, err := ca.NewTLSServer(&tlsOrigin, "autodiscover.fabrikam.test")
	if err != nil {
		t.Fatal(err)
	}
	defer tlsSrv.Close()
	plainSrv := httptest.NewServer(&plainOrigin)
	defer plainSrv.Close()

	p, err := fedtest.NewConnectProxy(fedtest.ProxyOptions{
		Dial: map[string]string{
			"autodiscover.fabrikam.test:443": tlsSrv.Listener.Addr().String(),
			"www.fabrikam.test:80":           plainSrv.Listener.Addr().String(),
		},
		User: "proxyuser", Password: "s3cret",
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()

	good := proxyClient(t, ca, withUser(p.URL(), "proxyuser", "s3cret"))
	for _, u := range []string{"https://autodiscover.fabrikam.test/x", "http://www.fabrikam.test/y"} {
		status, body, err := get(t, good, u)
		if err != nil || status != http.StatusOK || !strings.HasPrefix(body, "hello from ") {
			t.Errorf("GET %s = %d %q, %v; want 200 hello", u, status, body, err)
		}
	}
	want := []string{"autodiscover.fabrikam.test:443", "www.fabrikam.test:80"}
	if diff := cmp.Diff(want, p.Targets()); diff != "" {
		t.Errorf("Targets (-want +got):\n%s", diff)
	}
	for name, o := range map[string]*fedtest.Origin{"https": &tlsOrigin, "http": &plainOrigin} {
		auth, hosts := o.ProxyAuthorizations(), o.Hosts()
		if len(auth) != 0 {
			t.Errorf("%s origin received Proxy-Authorization %q", name, auth)
		}
		if len(hosts) != 1 || !strings.HasSuffix(hosts[0], ".fabrikam.test") {
			t.Errorf("%s origin saw Host %q, want the fabrikam.test name", name, hosts)
		}
	}

	// Wrong or missing credentials: 407 for forwarded requests, an error for tunnels.
	for _, pu := range []*url.URL{p.URL(), withUser(p.URL(), "proxyuser", "wrong")} {
		c := proxyClient(t, ca, pu)
		if status, _, err := get(t, c, "http://www.fabrikam.test/"); err != nil || status != http.StatusProxyAuthRequired {
			t.Errorf("http via %s: %d, %v; want 407", pu.Redacted(), status, err)
		}
		if _, _, err := get(t, c, "https://autodiscover.fabrikam.test/"); err == nil || !strings.Contains(err.Error(), "Proxy Authentication Required") {
			t.Errorf("https via %s: %v; want a Proxy Authentication Required error", pu.Redacted(), err)
		}
	}
	if got := len(p.Targets()); got != 2 {
		t.Errorf("refused requests were recorded as served: %d targets", got)
	}
}

func TestSOCKS5Proxy(t *testing.T) {
	ca, err := fedtest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	var o fedtest.Origin
	srv, err := ca.NewTLSServer(&o, "ews.fabrikam.test")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())

	tests := []struct {
		name       string
		user, pass string // proxy's credentials
		clientUser string // client's credentials: password "pw"
		url        string
		wantTarget string // "" when the request must fail
	}{
		{"no auth, name", "", "", "", "https://ews.fabrikam.test/", "ews.fabrikam.test:443"},
		{"no auth, IPv4", "", "", "", "https://127.0.0.1:" + port + "/", "127.0.0.1:" + port},
		{"auth", "u", "pw", "u", "https://ews.fabrikam.test/", "ews.fabrikam.test:443"},
		{"auth, wrong user", "u", "pw", "v", "https://ews.fabrikam.test/", ""},
		{"auth, client has none", "u", "pw", "", "https://ews.fabrikam.test/", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := fedtest.NewSOCKS5Proxy(fedtest.ProxyOptions{
				Dial: map[string]string{"ews.fabrikam.test:443": srv.Listener.Addr().String()},
				User: tt.user, Password: tt.pass,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			pu := p.URL()
			if tt.clientUser != "" {
				pu = withUser(pu, tt.clientUser, "pw")
			}
			status, _, err := get(t, proxyClient(t, ca, pu), tt.url)
			if tt.wantTarget == "" {
				if err == nil {
					t.Fatalf("GET succeeded with status %d, want an error", status)
				}
				if len(p.Targets()) != 0 {
					t.Errorf("Targets = %q, want none", p.Targets())
				}
				return
			}
			if err != nil || status != http.StatusOK {
				t.Fatalf("GET = %d, %v", status, err)
			}
			if diff := cmp.Diff([]string{tt.wantTarget}, p.Targets()); diff != "" {
				t.Errorf("Targets (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSOCKS5Refusals speaks the protocol by hand to check the answers to
// what the proxy does not support.
func TestSOCKS5Refusals(t *testing.T) {
	// A port nothing listens on, for the refused connection.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()

	tests := []struct {
		name  string
		user  string
		send  []byte
		reply []byte
	}{
		{"no acceptable method", "u", []byte{5, 1, 0}, []byte{5, 0xff}},
		{"BIND", "", []byte{5, 1, 0, 5, 2, 0, 1, 127, 0, 0, 1, 0, 80}, []byte{5, 0, 5, 7, 0, 1, 0, 0, 0, 0, 0, 0}},
		{"IPv6", "", []byte{5, 1, 0, 5, 1, 0, 4}, []byte{5, 0, 5, 8, 0, 1, 0, 0, 0, 0, 0, 0}},
		{"refused", "", connectTo("closed.fabrikam.test", 1), []byte{5, 0, 5, 5, 0, 1, 0, 0, 0, 0, 0, 0}},
		{"wrong password", "u", append([]byte{5, 1, 2, 1, 1}, "u\x01x"...), []byte{5, 2, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := fedtest.NewSOCKS5Proxy(fedtest.ProxyOptions{
				User: tt.user, Password: "pw",
				Dial: map[string]string{"closed.fabrikam.test:1": closed},
			})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			c, err := net.Dial("tcp", p.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := c.Write(tt.send); err != nil {
				t.Fatal(err)
			}
			// The proxy closes the connection after a refusal, so ReadAll ends.
			got, err := io.ReadAll(c)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.reply, got); diff != "" {
				t.Errorf("reply (-want +got):\n%s", diff)
			}
		})
	}
}

// connectTo is a no-auth greeting and a CONNECT request for name:port.
func connectTo(name string, port byte) []byte {
	b := append([]byte{5, 1, 0, 5, 1, 0, 3, byte(len(name))}, name...)
	return append(b, 0, port)
}

// TestProxiesCloseCleanly leaves tunnels open and checks that Close ends
// them and that no goroutine survives. The clients keep their idle
// connections: only the proxies' Close can end them.
func TestProxiesCloseCleanly(t *testing.T) {
	ca, err := fedtest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ca.NewTLSServer(&fedtest.Origin{}, "ews.fabrikam.test")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dial := map[string]string{"ews.fabrikam.test:443": srv.Listener.Addr().String()}

	before := runtime.NumGoroutine()
	hp, err := fedtest.NewConnectProxy(fedtest.ProxyOptions{Dial: dial})
	if err != nil {
		t.Fatal(err)
	}
	sp, err := fedtest.NewSOCKS5Proxy(fedtest.ProxyOptions{Dial: dial})
	if err != nil {
		t.Fatal(err)
	}
	for _, pu := range []*url.URL{hp.URL(), sp.URL()} {
		tr := &http.Transport{Proxy: http.ProxyURL(pu), TLSClientConfig: ca.ClientTLSConfig()}
		defer tr.CloseIdleConnections()
		// Several requests at once, so several tunnels stay open afterwards.
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				if status, _, err := get(t, &http.Client{Transport: tr}, "https://ews.fabrikam.test/"); err != nil || status != http.StatusOK {
					t.Errorf("GET via %s: %d, %v", pu, status, err)
				}
			})
		}
		wg.Wait()
	}
	if err := hp.Close(); err != nil {
		t.Error(err)
	}
	if err := sp.Close(); err != nil {
		t.Error(err)
	}

	// Goroutines end asynchronously after their connections close; wait
	// for the count to come back rather than for a fixed time.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for runtime.NumGoroutine() > before {
		select {
		case <-ctx.Done():
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines before, %d after Close:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		case <-time.After(10 * time.Millisecond):
		}
	}
}
