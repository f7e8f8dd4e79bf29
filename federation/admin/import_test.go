package admin_test

import (
	"crypto/x509"
	"errors"
	"testing"

	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/fedavail/fedavail/dnsproof"
	"github.com/fedavail/fedavail/federation/admin"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/internal/pki"
)

// TestImportCertificate imports CA-issued certificates from PFX and PEM,
// first as the current certificate, then as the next one of a rollover,
// and refuses those that do not meet the federation requirements.
func TestImportCertificate(t *testing.T) {
	ca, err := fedtest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	issue := func(eku ...x509.ExtKeyUsage) (*x509.Certificate, []byte, []byte) {
		t.Helper()
		c, k, err := pki.New(pki.Options{CommonName: "contoso federation", Parent: ca.Cert, ParentKey: ca.Key,
			KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, ExtKeyUsage: eku})
		if err != nil {
			t.Fatal(err)
		}
		kp, err := pki.KeyPEM(k)
		if err != nil {
			t.Fatal(err)
		}
		pfx, err := pkcs12.Modern.Encode(k, c, []*x509.Certificate{ca.Cert}, "s3cret")
		if err != nil {
			t.Fatal(err)
		}
		return c, kp, pfx
	}
	good, _, goodPFX := issue(x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth)
	next, nextKey, _ := issue(x509.ExtKeyUsageClientAuth)
	serverOnly, serverKey, _ := issue(x509.ExtKeyUsageServerAuth)

	tests := []struct {
		name       string
		data, key  []byte
		password   string
		wantParse  error
		wantImport error
	}{
		{"PFX, wrong password", goodPFX, nil, "guess", admin.ErrInvalid, nil},
		{"PEM without key", pki.CertPEM(good), nil, "", admin.ErrInvalid, nil},
		{"PEM with another key", pki.CertPEM(good), nextKey, "", nil, admin.ErrWrongKey},
		{"server authentication only", pki.CertPEM(serverOnly), serverKey, "", nil, admin.ErrInvalid},
	}
	w := newWorld(t)
	o := w.open(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := admin.ParseCertificate(tc.data, tc.key, tc.password)
			if tc.wantParse != nil {
				if !errors.Is(err, tc.wantParse) {
					t.Fatalf("ParseCertificate = %v, want %v", err, tc.wantParse)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, err = o.NewCertificate(t.Context(), admin.CertificateOptions{Import: &p})
			if !errors.Is(err, tc.wantImport) {
				t.Errorf("import = %v, want %v", err, tc.wantImport)
			}
			oneLine(t, err)
		})
	}
	if len(o.Certificates()) != 0 {
		t.Fatal("a refused certificate was installed")
	}

	p, err := admin.ParseCertificate(goodPFX, nil, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	c, err := o.NewCertificate(t.Context(), admin.CertificateOptions{Import: &p})
	if err != nil || c.Thumbprint != dnsproof.Thumbprint(good) {
		t.Fatalf("import from PFX = %+v, %v", c, err)
	}
	// The next certificate of a rollover, from PEM in two files.
	np, err := admin.ParseCertificate(pki.CertPEM(next), nextKey, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Rollover(t.Context(), admin.CertificateOptions{Import: &np}); err != nil {
		t.Fatal(err)
	}
	if cur := o.Keys().Current(); !cur.Cert.Equal(next) {
		t.Errorf("current after the rollover is %s", cur.Cert.Subject)
	}
	// A directory reopened reads the imported certificates back.
	re, err := admin.Open(o.Dir(), w.Options())
	if err != nil || !re.Keys().Current().Cert.Equal(next) {
		t.Errorf("reopened: %v", err)
	}
}
