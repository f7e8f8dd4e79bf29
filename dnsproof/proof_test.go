package dnsproof

import (
	"crypto/rsa"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/internal/pki"
)

// testKey reads testdata/org-key.pem, a throwaway key made for these tests
// only. testdata/contoso.com.proof was computed from it independently of
// this package, with OpenSSL:
//
//	printf %s contoso.com | openssl dgst -sha1 -sign testdata/org-key.pem |
//	    openssl dgst -sha512 -binary | base64 -w0
func testKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	b, err := os.ReadFile("testdata/org-key.pem")
	if err != nil {
		t.Fatal(err)
	}
	k, err := pki.ParseRSAKeyPEM(b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestProofKnownAnswer(t *testing.T) {
	want, err := os.ReadFile("testdata/contoso.com.proof")
	if err != nil {
		t.Fatal(err)
	}
	key := testKey(t)
	for _, domain := range []string{"contoso.com", "Contoso.COM", "  contoso.com\t", "CONTOSO.COM "} {
		got, err := Proof(key, domain)
		if err != nil {
			t.Fatal(err)
		}
		if got != strings.TrimSpace(string(want)) {
			t.Errorf("Proof(key, %q) = %q, want OpenSSL's %q", domain, got, want)
		}
	}
}

func TestProofShapeAndStability(t *testing.T) {
	key := testKey(t)
	a, err := Proof(key, "fabrikam.com")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Proof(key, "fabrikam.com")
	if a != b {
		t.Errorf("two proofs of the same domain differ: %q, %q", a, b)
	}
	if len(a) != ProofLength || !strings.HasSuffix(a, "==") {
		t.Errorf("proof %q: want %d characters ending in ==", a, ProofLength)
	}
	other, _ := Proof(key, "sub.fabrikam.com")
	if other == a {
		t.Error("a subdomain got the same proof as its parent")
	}
	if _, err := Proof(nil, "fabrikam.com"); err == nil {
		t.Error("Proof(nil key) succeeded")
	}
}

func TestCheckSignature(t *testing.T) {
	org := newOrg(t, "contoso federation")
	other := newOrg(t, "someone else")
	sig, err := Sign(org.Key, "Contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckSignature(org.Cert, "contoso.com", sig); err != nil {
		t.Errorf("own signature: %v", err)
	}
	err = CheckSignature(other.Cert, "contoso.com", sig)
	var se *SignatureError
	if !errors.As(err, &se) || !errors.Is(err, ErrBadSignature) || se.Thumbprint != Thumbprint(other.Cert) {
		t.Errorf("signature checked with another certificate: err = %v, want a *SignatureError naming %s", err, Thumbprint(other.Cert))
	}
	if err := CheckSignature(org.Cert, "fabrikam.com", sig); !errors.Is(err, ErrBadSignature) {
		t.Errorf("signature for another domain: err = %v, want ErrBadSignature", err)
	}
	want, _ := Proof(org.Key, "contoso.com")
	if got := ProofFromSignature(sig); got != want {
		t.Errorf("ProofFromSignature(Sign) = %q, Proof = %q", got, want)
	}
}

func TestProofsOverRing(t *testing.T) {
	var pairs []keyring.Pair
	for _, n := range []string{"old", "current", "next"} {
		kp := newOrg(t, n)
		pairs = append(pairs, keyring.Pair{Cert: kp.Cert, Key: kp.Key})
	}
	ring, err := keyring.New(pairs[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := ring.SetNext(pairs[1]); err != nil {
		t.Fatal(err)
	}
	if err := ring.Promote(); err != nil { // old → previous, current → current
		t.Fatal(err)
	}
	if err := ring.SetNext(pairs[2]); err != nil {
		t.Fatal(err)
	}
	got, err := Proofs(ring, " Contoso.com ")
	if err != nil {
		t.Fatal(err)
	}
	var want []DomainProof
	for _, w := range []struct {
		p    keyring.Pair
		slot keyring.Slot
	}{{pairs[1], keyring.Current}, {pairs[2], keyring.Next}, {pairs[0], keyring.Previous}} {
		p, _ := Proof(w.p.Key, "contoso.com")
		want = append(want, DomainProof{DomainName: "contoso.com", Name: w.slot, Thumbprint: Thumbprint(w.p.Cert), Proof: p})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Proofs (-want +got):\n%s", diff)
	}

	public, _ := keyring.New(keyring.Pair{Cert: pairs[0].Cert})
	if _, err := Proofs(public, "contoso.com"); err == nil {
		t.Error("Proofs over a ring without private keys succeeded")
	}
}

func TestThumbprint(t *testing.T) {
	kp := newOrg(t, "x")
	tp := Thumbprint(kp.Cert)
	if len(tp) != 40 || strings.ToUpper(tp) != tp {
		t.Errorf("Thumbprint = %q, want 40 upper-case hex digits", tp)
	}
}

// newOrg makes an organization certificate and key.
func newOrg(t *testing.T, cn string) *fedtest.KeyPair {
	t.Helper()
	kp, err := fedtest.NewOrgCert(cn)
	if err != nil {
		t.Fatal(err)
	}
	return kp
}
