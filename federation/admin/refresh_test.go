package admin_test

import (
	"context"
	"errors"
	"testing"

	"github.com/fedavail/fedavail/dnsproof"
	"github.com/fedavail/fedavail/federation/admin"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/fedtest"
)

// TestRefreshTrust: after the broker rolls its signing certificate over,
// RefreshTrust stores the new one, and the previous one the metadata still
// publishes.
func TestRefreshTrust(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	o := w.trusted(t, "contoso.test")
	first := dnsproof.Thumbprint(w.BrokerKeys.Current().Cert)

	// Nothing changed: the same values come back.
	before, after, err := o.RefreshTrust(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after.TokenIssuerCertificate != first || after.TokenIssuerPrevCertificate != "" || before.TokenIssuerCertificate != first {
		t.Errorf("refresh without a change: before %+v, after %+v", before, after)
	}

	kp, err := fedtest.NewBrokerCert("admintest broker, next")
	if err != nil {
		t.Fatal(err)
	}
	must(t, w.BrokerKeys.SetNext(keyring.Pair{Cert: kp.Cert, Key: kp.Key}))
	must(t, w.BrokerKeys.Promote())
	if _, _, err := o.RefreshTrust(ctx); err != nil {
		t.Fatal(err)
	}
	tc, err := o.TrustConfig()
	if err != nil {
		t.Fatal(err)
	}
	if want := dnsproof.Thumbprint(kp.Cert); tc.TokenIssuerCertificate != want || tc.TokenIssuerPrevCertificate != first {
		t.Errorf("stored broker certificates %s, previous %s; want %s, previous %s", tc.TokenIssuerCertificate, tc.TokenIssuerPrevCertificate, want, first)
	}

	// Errors: no trust, broker unreachable.
	if _, _, err := w.open(t, "fabrikam.test").RefreshTrust(ctx); !errors.Is(err, admin.ErrNotTrusted) {
		t.Errorf("refresh without a trust = %v", err)
	}
	offline, err := admin.Open(o.Dir(), &admin.Options{HTTPClient: unreachableClient()})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = offline.RefreshTrust(ctx)
	if !errors.Is(err, admin.ErrBrokerUnreachable) {
		t.Fatalf("refresh, broker unreachable = %v", err)
	}
	oneLine(t, err)
}
