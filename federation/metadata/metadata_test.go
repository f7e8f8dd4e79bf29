package metadata

import (
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fedavail/fedavail/internal/golden"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/pki"
)

var (
	keyOnce sync.Once
	key     *rsa.PrivateKey
	keyErr  error
)

// cert returns a broker certificate valid over [nb, na]. All share one RSA
// key, generated once: key generation is slow and irrelevant here.
func cert(t testing.TB, cn string, nb, na time.Time) *x509.Certificate {
	t.Helper()
	keyOnce.Do(func() {
		_, key, keyErr = pki.New(pki.Options{CommonName: "seed"})
	})
	if keyErr != nil {
		t.Fatal(keyErr)
	}
	c, _, err := pki.New(pki.Options{CommonName: cn, Key: key, NotBefore: nb, NotAfter: na, KeyUsage: x509.KeyUsageDigitalSignature})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var (
	t0  = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now = t0.AddDate(1, 0, 0)
)

func sample(t testing.TB, certs ...*x509.Certificate) *Metadata {
	return &Metadata{
		IssuerURI:        "urn:federation:fedavail-test",
		Certs:            certs,
		TokenEndpoint:    "https://sts.fedavail.example/extSTS.srf",
		RedirectEndpoint: "https://sts.fedavail.example/",
	}
}

func TestRenderParseRoundTrip(t *testing.T) {
	cur := cert(t, "current", t0, t0.AddDate(5, 0, 0))
	prev := cert(t, "previous", t0.AddDate(-4, 0, 0), t0.AddDate(2, 0, 0))
	m := sample(t, cur, prev)
	b, err := Render(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(b, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(m, got); diff != "" {
		t.Errorf("Parse(Render(m)) (-want +got):\n%s", diff)
	}
}

// TestRenderGolden pins the wire format with a certificate from testdata,
// so the golden file is stable.
func TestRenderGolden(t *testing.T) {
	der, err := os.ReadFile(filepath.Join("testdata", "sts.der"))
	if golden.Updating() && errors.Is(err, os.ErrNotExist) {
		der = cert(t, "fedavail test STS", t0, t0.AddDate(30, 0, 0)).Raw
		err = os.WriteFile(filepath.Join("testdata", "sts.der"), der, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Render(sample(t, c))
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "metadata.golden.xml", got)
}

func TestRollover(t *testing.T) {
	long := cert(t, "long", t0, t0.AddDate(5, 0, 0))
	short := cert(t, "short", t0, t0.AddDate(2, 0, 0))
	expired := cert(t, "expired", t0.AddDate(-3, 0, 0), t0)
	for _, tc := range []struct {
		name      string
		cur, prev *x509.Certificate
		want      []string
		err       error
	}{
		{"current and previous", long, short, []string{"long", "short"}, nil},
		{"previous outlives current: swapped", short, long, []string{"long", "short"}, nil},
		{"expired previous dropped", long, expired, []string{"long"}, nil},
		{"expired current dropped", expired, long, []string{"long"}, nil},
		{"only current", long, nil, []string{"long"}, nil},
		{"nothing valid", expired, nil, nil, ErrNoValidCertificate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			certs := []*x509.Certificate{tc.cur}
			if tc.prev != nil {
				certs = append(certs, tc.prev)
			}
			b, err := Render(sample(t, certs...))
			if err != nil {
				t.Fatal(err)
			}
			m, err := Parse(b, now, nil)
			if !errors.Is(err, tc.err) {
				t.Fatalf("Parse error %v, want %v", err, tc.err)
			}
			if err != nil {
				return
			}
			var got []string
			for _, c := range m.Certs {
				got = append(got, c.Subject.CommonName)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("certs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  string
		want string // in the *fedavail.XMLError; "" for ErrDTD
	}{
		{"not XML", "<fed:Federation", "malformed XML"},
		{"DTD", `<!DOCTYPE x [<!ENTITY a "b">]><x/>`, ""},
		{"empty federation", `<Federation xmlns="http://schemas.xmlsoap.org/ws/2006/03/federation"/>`, "federation metadata: no IssuerName uri"},
		{"wrong namespace", `<Federation xmlns="https://schemas.xmlsoap.org/ws/2006/03/federation"><IssuerNamesOffered><IssuerName uri="x"/></IssuerNamesOffered></Federation>`, "federation metadata: no IssuerName uri"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc), now, nil)
			if tc.want == "" {
				if !errors.Is(err, fedavail.ErrDTD) {
					t.Fatalf("error %v, want ErrDTD", err)
				}
				return
			}
			var xmlErr *fedavail.XMLError
			if !errors.As(err, &xmlErr) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v (%T), want a *fedavail.XMLError saying %q", err, err, tc.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "metadata.golden.xml")); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`<Federation xmlns="http://schemas.xmlsoap.org/ws/2006/03/federation"/>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b, now, nil)
		if err == nil && (m.IssuerURI == "" || len(m.Certs) == 0) {
			t.Fatalf("Parse accepted a document without issuer or certificates: %+v", m)
		}
	})
}
