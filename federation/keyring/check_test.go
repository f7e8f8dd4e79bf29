package keyring

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/fedavail/fedavail/internal/pki"
)

// TestCheck runs every requirement of a federation certificate, alone and
// together, for both uses.
func TestCheck(t *testing.T) {
	now := time.Date(2030, 3, 11, 0, 0, 0, 0, time.UTC)
	org := pki.Options{CommonName: "org", NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(1, 0, 0),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth}}
	good := mk(t, org)
	other := mk(t, org)
	with := func(f func(o *pki.Options)) Pair { o := org; f(&o); return mk(t, o) }
	noSKI := good
	c := *good.Cert
	c.SubjectKeyId = nil
	noSKI.Cert = &c
	tests := []struct {
		name     string
		p        Pair
		use      Use
		want     []error
		warnings int
	}{
		{"good", good, UseOrganization, nil, 0},
		{"certificate only", Pair{Cert: good.Cert}, UseOrganization, nil, 0},
		{"wrong key", Pair{Cert: good.Cert, Key: other.Key}, UseOrganization, []error{ErrKeyMismatch}, 0},
		{"no SKI", noSKI, UseOrganization, []error{ErrNoSubjectKeyID}, 0},
		{"server only", with(func(o *pki.Options) { o.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth} }), UseOrganization, []error{ErrUsage}, 0},
		{"no encipherment", with(func(o *pki.Options) { o.KeyUsage = x509.KeyUsageDigitalSignature }), UseOrganization, []error{ErrUsage}, 0},
		{"signing only is fine for a broker", with(func(o *pki.Options) { o.KeyUsage = x509.KeyUsageDigitalSignature; o.ExtKeyUsage = nil }), UseTokenSigning, nil, 0},
		{"no usage extensions allow everything", with(func(o *pki.Options) { o.KeyUsage = 0; o.ExtKeyUsage = nil }), UseOrganization, nil, 0},
		{"expired", with(func(o *pki.Options) { o.NotAfter = now.Add(-time.Hour) }), UseOrganization, []error{ErrNotCurrent}, 0},
		{"not yet valid", with(func(o *pki.Options) { o.NotBefore = now.Add(time.Hour) }), UseOrganization, []error{ErrNotCurrent}, 0},
		{"expires soon", with(func(o *pki.Options) { o.NotAfter = now.Add(10 * 24 * time.Hour) }), UseOrganization, nil, 1},
		{"several at once", Pair{Cert: noSKI.Cert, Key: other.Key}, UseOrganization, []error{ErrNoSubjectKeyID, ErrKeyMismatch}, 0},
		{"ECDSA", ecdsaPair(t, now), UseOrganization, []error{ErrWeakKey}, 0},
		{"RSA 1024", with(func(o *pki.Options) { o.Key = weakKey(t) }), UseTokenSigning, []error{ErrWeakKey}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, err := Check(tc.p, tc.use, now)
			for _, want := range tc.want {
				if !errors.Is(err, want) {
					t.Errorf("err = %v, want %v", err, want)
				}
			}
			if len(tc.want) == 0 && err != nil {
				t.Errorf("err = %v", err)
			}
			if len(w) != tc.warnings {
				t.Errorf("warnings %q, want %d", w, tc.warnings)
			}
		})
	}
}

// TestRingRefusesMismatch: New, SetNext and Replace refuse a key that is
// not the certificate's.
func TestRingRefusesMismatch(t *testing.T) {
	a, b := mk(t, pki.Options{CommonName: "a"}), mk(t, pki.Options{CommonName: "b"})
	bad := Pair{Cert: a.Cert, Key: b.Key}
	if _, err := New(bad); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("New = %v", err)
	}
	r, err := New(a)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.SetNext(bad); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("SetNext = %v", err)
	}
	if err := r.Replace(&Set{Current: a, Previous: &bad}); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("Replace = %v", err)
	}
	if !strings.Contains(ErrKeyMismatch.Error(), "does not belong") {
		t.Error(ErrKeyMismatch)
	}
}

func mk(t *testing.T, o pki.Options) Pair {
	t.Helper()
	c, k, err := pki.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return Pair{Cert: c, Key: k}
}

func weakKey(t *testing.T) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func ecdsaPair(t *testing.T, now time.Time) Pair {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ec"}, NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(1, 0, 0), SubjectKeyId: []byte{1}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return Pair{Cert: c}
}
