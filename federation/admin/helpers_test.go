package admin_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/fedavail/fedavail/dnsproof"
	"github.com/fedavail/fedavail/federation/admin"
	"github.com/fedavail/fedavail/federation/admin/admintest"
)

const brokerURI = admintest.BrokerURI

type world struct{ *admintest.Env }

func newWorld(t testing.TB) *world { return &world{admintest.New(t)} }

// open opens an organization in a new directory; with domains it also
// creates the certificate and makes the domains exist in DNS, without
// proofs.
func (w *world) open(t testing.TB, domains ...string) *admin.Org {
	t.Helper()
	o, err := admin.Open(t.TempDir(), w.Options())
	if err != nil {
		t.Fatal(err)
	}
	if len(domains) > 0 {
		if _, err := o.NewCertificate(context.Background(), admin.CertificateOptions{CommonName: domains[0]}); err != nil {
			t.Fatal(err)
		}
	}
	w.Exist(domains...)
	return o
}

func (w *world) publish(t testing.TB, o *admin.Org, domain string) { w.Publish(t, o, domain) }

// trusted returns an organization with a trust for domain.
func (w *world) trusted(t testing.TB, domain string) *admin.Org {
	t.Helper()
	o := w.open(t, domain)
	w.publish(t, o, domain)
	if _, err := o.Trust(context.Background(), admin.TrustOptions{BrokerURL: w.URL, Domain: domain}); err != nil {
		t.Fatal(err)
	}
	return o
}

func appURI(domain string) string { return dnsproof.AccountNamespacePrefix + "." + domain }

// oneLine fails the test unless err is an admin error of one line.
func oneLine(t testing.TB, err error) {
	t.Helper()
	if s := err.Error(); strings.ContainsAny(s, "\r\n") || !strings.HasPrefix(s, "admin: ") {
		t.Errorf("error is not one admin line: %q", s)
	}
}

// unreachableClient fails every request as a down network would.
func unreachableClient() *http.Client {
	return &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
		return nil, errors.New("dial tcp: connection refused")
	})}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
