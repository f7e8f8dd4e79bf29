package autodiscover

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/fedavail/fedavail/fedtest"
)

func TestDiscoveryPaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(e *env)
		want  string // endpoint that answered
	}{
		{"domain root", func(e *env) { e.serveTLS(testHandler(), "fabrikam.test") },
			"https://fabrikam.test/autodiscover/autodiscover.svc"},
		{"autodiscover host", func(e *env) { e.serveTLS(testHandler(), "autodiscover.fabrikam.test") },
			"https://autodiscover.fabrikam.test/autodiscover/autodiscover.svc"},
		{"HTTP redirect method", func(e *env) {
			e.serveHTTP(redirectTo("https://mail.fabrikam.test/Autodiscover/Autodiscover.xml"), "autodiscover.fabrikam.test")
			e.serveTLS(testHandler(), "mail.fabrikam.test")
		}, "https://mail.fabrikam.test/autodiscover/autodiscover.svc"},
		{"SRV record, port 443 only, priority order", func(e *env) {
			e.dns.AddSRV("_autodiscover._tcp.fabrikam.test",
				fedtest.SRV{Priority: 0, Weight: 0, Port: 8443, Target: "wrongport.fabrikam.test"},
				fedtest.SRV{Priority: 20, Weight: 0, Port: 443, Target: "backup.fabrikam.test"},
				fedtest.SRV{Priority: 10, Weight: 0, Port: 443, Target: "mail2.fabrikam.test"})
			e.serveTLS(redirectTo("https://nowhere.test/"), "wrongport.fabrikam.test", "backup.fabrikam.test")
			e.serveTLS(testHandler(), "mail2.fabrikam.test")
		}, "https://mail2.fabrikam.test/autodiscover/autodiscover.svc"},
		{"root without Autodiscover falls through", func(e *env) {
			e.serveTLS(http.NotFoundHandler(), "fabrikam.test")
			e.serveTLS(testHandler(), "autodiscover.fabrikam.test")
		}, "https://autodiscover.fabrikam.test/autodiscover/autodiscover.svc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			tt.setup(e)
			c := e.client()
			c.TokenSource = &tokenSource{}
			c.Audience = "FYDIBOHF25SPDLT.fabrikam.test"
			rs, err := c.GetUserSettings(context.Background(), []string{"bob@fabrikam.test"}, ExternalEwsURL)
			if err != nil {
				t.Fatal(err)
			}
			if rs[0].Endpoint != tt.want {
				t.Errorf("endpoint = %s, want %s", rs[0].Endpoint, tt.want)
			}
			if got := rs[0].Settings.Value(ExternalEwsURL); got != "https://mail.fabrikam.test/EWS/Exchange.asmx" {
				t.Errorf("ExternalEwsUrl = %q", got)
			}
		})
	}
}

// Both direct candidates answer: user settings prefer the domain root (the
// documented client order), federation information the autodiscover host
// ([MS-OXWSADISC]'s order for GetFederationInformation).
func TestDiscoveryOrderPerOperation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.serveTLS(testHandler(), "fabrikam.test", "autodiscover.fabrikam.test")
	c := e.client()
	fi, err := c.GetFederationInformation(context.Background(), "fabrikam.test")
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://autodiscover.fabrikam.test/autodiscover/autodiscover.svc"; fi.Endpoint != want {
		t.Errorf("GetFederationInformation endpoint = %s, want %s", fi.Endpoint, want)
	}
	c.TokenSource = &tokenSource{}
	rs, err := c.GetUserSettings(context.Background(), []string{"bob@fabrikam.test"}, ExternalEwsURL)
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://fabrikam.test/autodiscover/autodiscover.svc"; rs[0].Endpoint != want {
		t.Errorf("GetUserSettings endpoint = %s, want %s", rs[0].Endpoint, want)
	}
}

func TestDiscoveryFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(e *env)
		want  error
	}{
		{"HTTP redirect method to http refused", func(e *env) {
			e.serveHTTP(redirectTo("http://mail.fabrikam.test/autodiscover/autodiscover.xml"), "autodiscover.fabrikam.test")
		}, ErrInsecureRedirect},
		{"redirect loop", func(e *env) {
			e.serveTLS(redirectTo("https://b.fabrikam.test/autodiscover/autodiscover.svc"), "fabrikam.test")
			e.serveTLS(redirectTo("https://fabrikam.test/autodiscover/autodiscover.svc"), "b.fabrikam.test")
		}, ErrRedirectLoop},
		{"redirect to http refused", func(e *env) {
			e.serveTLS(redirectTo("http://evil.test/autodiscover/autodiscover.svc"), "fabrikam.test")
		}, ErrInsecureRedirect},
		{"hop limit", func(e *env) {
			hosts := make([]string, 0, 12)
			for i := range 12 {
				hosts = append(hosts, "r"+string(rune('a'+i))+".fabrikam.test")
			}
			e.serveTLS(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				next := "https://r" + string(rune(r.Host[1]+1)) + ".fabrikam.test/autodiscover/autodiscover.svc"
				http.Redirect(w, r, next, http.StatusFound)
			}), append(hosts, "fabrikam.test")...)
		}, ErrTooManyRedirects},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			tt.setup(e)
			_, err := e.client().GetFederationInformation(context.Background(), "fabrikam.test")
			var de *DiscoveryError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want *DiscoveryError", err)
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want it to wrap %v", err, tt.want)
			}
			var re *RedirectError
			if !errors.As(err, &re) {
				t.Errorf("err = %v, want a *RedirectError inside", err)
			}
		})
	}
}

// Credentials go to the hosts the look-up started at and never to a host a
// redirect names; the other host receives the request without them.
func TestCredentialsNotForwardedAcrossHosts(t *testing.T) {
	t.Parallel()
	for _, pox := range []bool{false, true} {
		e := newEnv(t)
		path := soapPath
		if pox {
			path = poxPath
		}
		root := &recorder{next: redirectTo("https://other.test" + path)}
		other := &recorder{next: testHandler()}
		e.serveTLS(root, "fabrikam.test")
		e.serveTLS(other, "other.test")
		c := e.client()
		c.Credentials = &Credentials{Username: "alice@fabrikam.test", Password: "secret"}
		var err error
		if pox {
			_, err = c.GetPOXSettings(context.Background(), "bob@fabrikam.test")
		} else {
			var rs []UserResponse
			rs, err = c.GetUserSettings(context.Background(), []string{"bob@fabrikam.test"}, ExternalEwsURL)
			if err == nil {
				err = rs[0].Err
			}
		}
		if err == nil {
			t.Errorf("pox=%v: lookup succeeded, want 401 from the other host", pox)
		}
		if got := root.requests(); len(got) == 0 || got[0].Authorization != basicHeader("alice@fabrikam.test", "secret") {
			t.Errorf("pox=%v: starting host got %+v, want the credentials", pox, got)
		}
		got := other.requests()
		if len(got) == 0 {
			t.Fatalf("pox=%v: redirect was not followed", pox)
		}
		for _, r := range got {
			if r.Authorization != "" {
				t.Errorf("pox=%v: other host received Authorization %q", pox, r.Authorization)
			}
		}
	}
}
