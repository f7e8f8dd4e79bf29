package pki

import (
	"bytes"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"testing"

	"github.com/fedavail/fedavail/internal/testshared"
)

func TestNewAndSKI(t *testing.T) {
	ca, caKey, err := New(Options{CommonName: "ca", IsCA: true, KeyUsage: x509.KeyUsageCertSign})
	if err != nil {
		t.Fatal(err)
	}
	leaf, key, err := New(Options{CommonName: "leaf", DNSNames: []string{"a.test"}, Parent: ca, ParentKey: caKey})
	if err != nil {
		t.Fatal(err)
	}
	if err := leaf.CheckSignatureFrom(ca); err != nil {
		t.Fatalf("leaf not signed by CA: %v", err)
	}
	ski, err := SubjectKeyID(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(leaf.SubjectKeyId, ski) || !bytes.Equal(SKI(leaf), ski) || len(ski) != sha1.Size {
		t.Fatalf("SKI mismatch: ext %x computed %x", leaf.SubjectKeyId, ski)
	}
	if !bytes.Equal(leaf.AuthorityKeyId, SKI(ca)) {
		t.Error("AuthorityKeyId is not the CA's SKI")
	}
	if FindBySKI([]*x509.Certificate{ca, leaf}, ski) != leaf || FindBySKI([]*x509.Certificate{ca}, ski) != nil || FindBySKI(nil, nil) != nil {
		t.Error("FindBySKI wrong")
	}
	if _, _, err := New(Options{Bits: 1024}); err == nil {
		t.Error("a 1024-bit key was accepted")
	}
	kp, err := KeyPEM(key)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseRSAKeyPEM(kp)
	if err != nil || !back.Equal(key) {
		t.Fatalf("key PEM round trip: %v", err)
	}
	certs, err := ParseCertsPEM(append(CertPEM(leaf), CertPEM(ca)...))
	if err != nil || len(certs) != 2 || !certs[0].Equal(leaf) {
		t.Fatalf("cert PEM round trip: %v", err)
	}
	if _, err := ParseCertsPEM([]byte("nothing")); err == nil {
		t.Error("ParseCertsPEM accepted no certificates")
	}
}

// The Federation Gateway's signing certificate publishes SKI
// Vh9pzVN05xA4tLBVTmkknXdu40I= (samples/SOURCES.md); our computation must
// agree with the extension Windows wrote.
func TestSKIMatchesMicrosoftCertificate(t *testing.T) {
	der := testshared.Sample(t, "MFG-sts-signing-cert-2025.azuread-test.der")
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	computed, err := SubjectKeyID(c.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	const want = "Vh9pzVN05xA4tLBVTmkknXdu40I="
	if got := base64.StdEncoding.EncodeToString(computed); got != want {
		t.Errorf("computed SKI %s, want %s", got, want)
	}
	if got := base64.StdEncoding.EncodeToString(SKI(c)); got != want {
		t.Errorf("SKI() %s, want %s", got, want)
	}
}
