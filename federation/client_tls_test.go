package federation_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/transport"
)

// Partners are reached over TLS 1.2 or later, verified against
// Transport.RootCAs, with a client certificate when they ask for one; a
// partner still on TLS 1.0 only when named, with a warning per host.
func TestAvailabilityTLS(t *testing.T) {
	k, err := keys()
	if err != nil {
		t.Fatal(err)
	}
	tls10 := func(c *tls.Config) { c.MinVersion, c.MaxVersion = tls.VersionTLS10, tls.VersionTLS10 }
	needCert := func(c *tls.Config) { c.ClientAuth, c.ClientCAs = tls.RequireAndVerifyClientCert, k.ca.Pool() }
	versionAt := func(host string) func(error) string {
		return func(err error) string {
			var ve *federation.TLSVersionError
			if !errors.As(err, &ve) || ve.Host != host {
				return fmt.Sprintf("want a *TLSVersionError for %s", host)
			}
			return ""
		}
	}
	tests := []struct {
		name   string
		server func(*tls.Config) // fabrikam's Autodiscover and EWS server
		config func(*federation.Config)
		// wantStep is where fabrikam's attendee fails, "" for success;
		// wantErr then says what is wrong with the error, "" for nothing.
		wantStep federation.Step
		wantErr  func(error) string
		// wantWarned are the hosts warned about as legacy TLS partners.
		wantWarned []string
	}{
		{
			name: "TLS 1.0 refused", server: tls10,
			wantStep: federation.StepDiscovery, wantErr: versionAt("autodiscover.fabrikam.test"),
		},
		{
			name: "TLS 1.0 partner named", server: tls10,
			config:     func(c *federation.Config) { c.LegacyTLSPartners = []string{"Fabrikam.test"} },
			wantWarned: []string{"autodiscover.fabrikam.test", "mail.fabrikam.test"},
		},
		{
			name: "TLS 1.0 Autodiscover host listed, EWS host not", server: tls10,
			config:   func(c *federation.Config) { c.Transport.LegacyTLSHosts = []string{"autodiscover.fabrikam.test"} },
			wantStep: federation.StepAvailability, wantErr: versionAt("mail.fabrikam.test"),
			wantWarned: []string{"autodiscover.fabrikam.test"},
		},
		{
			name:     "root pool without the partner's CA",
			config:   func(c *federation.Config) { c.Transport.RootCAs = x509.NewCertPool() },
			wantStep: federation.StepDiscovery,
			wantErr: func(err error) string {
				if _, ok := errorAs[*tls.CertificateVerificationError](err); !ok {
					return "want a *tls.CertificateVerificationError"
				}
				return ""
			},
		},
		{
			name: "client certificate required, none given", server: needCert,
			wantStep: federation.StepDiscovery,
			wantErr: func(err error) string {
				op, ok := errorAs[*net.OpError](err)
				if _, isVersion := errorAs[*federation.TLSVersionError](err); !ok || op.Op != "remote error" || isVersion {
					return "want the server's TLS alert, not a version error"
				}
				return ""
			},
		},
		{
			name: "client certificate required and given", server: needCert,
			config: func(c *federation.Config) { c.Transport.Certificates = []tls.Certificate{k.client.TLSCertificate()} },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			if tt.server != nil {
				w.serveTLS(t, w.partners["fabrikam.test"], tt.server, "autodiscover.fabrikam.test", "mail.fabrikam.test")
			}
			var mu sync.Mutex
			peers := map[string]bool{} // client certificates fabrikam saw
			w.mu.Lock()
			w.onRequest = func(r *http.Request) {
				if strings.HasSuffix(r.Host, "fabrikam.test") && len(r.TLS.PeerCertificates) > 0 {
					mu.Lock()
					peers[r.TLS.PeerCertificates[0].Subject.CommonName] = true
					mu.Unlock()
				}
			}
			w.mu.Unlock()
			dns, err := fedtest.NewDNSServer() // knows no SRV records: discovery ends there
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { dns.Close() })

			var logs fedtest.LogBuffer
			cfg := w.config(t, rel("Fabrikam", "fabrikam.test"))
			cfg.HTTPClient = nil
			cfg.Transport = transport.Config{Direct: true, RootCAs: k.ca.Pool(), DialContext: w.dialContext}
			cfg.Resolver = dns.Resolver()
			cfg.Logger = logs.Logger()
			if tt.config != nil {
				tt.config(&cfg)
			}
			c, err := federation.NewClient(cfg)
			if err != nil {
				t.Fatal(err)
			}
			for range 2 { // the second query shows each host is warned about once
				res, err := c.Availability(context.Background(), federation.Query{
					From: "alice@contoso.test", Attendees: []string{"dana@fabrikam.test"}, Start: w.week, End: w.week.Add(24 * time.Hour),
				})
				if err != nil {
					t.Fatal(err)
				}
				a := res.Attendees[0]
				ae, _ := errorAs[*federation.AttendeeError](a.Err)
				switch {
				case tt.wantStep == "" && (a.Err != nil || len(a.Merged) == 0):
					t.Fatalf("dana: err %v, %d slots; want free/busy", a.Err, len(a.Merged))
				case tt.wantStep != "" && (ae == nil || ae.Step != tt.wantStep):
					t.Fatalf("dana: err %v, want an *AttendeeError at step %s", a.Err, tt.wantStep)
				case tt.wantErr != nil:
					if msg := tt.wantErr(a.Err); msg != "" {
						t.Fatalf("dana: err %v: %s", a.Err, msg)
					}
				}
			}
			if diff := cmp.Diff(tt.wantWarned, warnedHosts(logs.String()), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("legacy TLS warnings (-want +got):\n%s", diff)
			}
			if tt.config != nil && len(cfg.Transport.Certificates) > 0 && !peers["contoso.test"] {
				t.Errorf("fabrikam saw client certificates %v, want contoso.test's", peers)
			}
		})
	}
}

var warnedHost = regexp.MustCompile(`level=WARN .*host=(\S+)`)

// warnedHosts returns the hosts of the warning lines in logs, in order.
func warnedHosts(logs string) []string {
	var hosts []string
	for _, m := range warnedHost.FindAllStringSubmatch(logs, -1) {
		hosts = append(hosts, m[1])
	}
	return hosts
}

func TestNewClientLegacyTLSPartners(t *testing.T) {
	w := newWorld(t)
	tests := []struct {
		name    string
		change  func(*federation.Config)
		wantErr string
	}{
		{"with HTTPClient", func(c *federation.Config) { c.LegacyTLSPartners = []string{"fabrikam.test"} }, "LegacyTLSPartners needs the HTTP client built from Config.Transport"},
		{"wildcard", func(c *federation.Config) { c.HTTPClient, c.LegacyTLSPartners = nil, []string{"*.fabrikam.test"} }, `"*.fabrikam.test" is not a domain name`},
		{"no dot", func(c *federation.Config) { c.HTTPClient, c.LegacyTLSPartners = nil, []string{"fabrikam"} }, "not a domain name"},
		{"domain", func(c *federation.Config) { c.HTTPClient, c.LegacyTLSPartners = nil, []string{" fabrikam.test "} }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := w.config(t)
			tt.change(&cfg)
			_, err := federation.NewClient(cfg)
			if got := fmt.Sprint(err); (tt.wantErr == "") != (err == nil) || !strings.Contains(got, tt.wantErr) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// errorAs is errors.As returning the match (errors.AsType needs Go 1.26).
func errorAs[T error](err error) (T, bool) {
	var target T
	ok := errors.As(err, &target)
	return target, ok
}
