package wstrust

import (
	"bytes"
	"crypto/x509"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/internal/pki"
)

// Keys are generated once per test binary: RSA generation is the slowest
// part of these tests.
var (
	keysOnce          sync.Once
	orgA, orgA2, orgB *fedtest.KeyPair
	errKeys           error
)

func testKeys(t testing.TB) {
	t.Helper()
	keysOnce.Do(func() {
		if orgA, errKeys = fedtest.NewOrgCert("contoso federation"); errKeys != nil {
			return
		}
		if orgA2, errKeys = fedtest.NewOrgCert("contoso federation (next)"); errKeys != nil {
			return
		}
		orgB, errKeys = fedtest.NewOrgCert("fabrikam federation")
	})
	if errKeys != nil {
		t.Fatal(errKeys)
	}
}

func ring(t testing.TB, kp *fedtest.KeyPair) *keyring.Ring {
	t.Helper()
	r, err := keyring.New(keyring.Pair{Cert: kp.Cert, Key: kp.Key})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// certsBySKI finds certificates among kps by SKI, as a broker's registry would.
func certsBySKI(kps ...*fedtest.KeyPair) func([]byte) *x509.Certificate {
	return func(ski []byte) *x509.Certificate {
		for _, kp := range kps {
			if bytes.Equal(kp.SKI(), ski) {
				return kp.Cert
			}
		}
		return nil
	}
}

// countingReader is a deterministic stand-in for crypto/rand.
type countingReader struct{ n byte }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		r.n++
		p[i] = r.n
	}
	return len(p), nil
}

// tGolden is the clock of golden files; t0 is the clock of other tests, near
// the real time because the test certificates are valid from an hour ago.
var (
	tGolden = time.Date(2026, 3, 14, 15, 9, 26, 535000000, time.UTC)
	t0      = time.Now().UTC().Truncate(time.Millisecond)
)

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

// goldenSigning is a key kept in testdata so that golden files are stable.
func goldenSigning(t testing.TB) Signing {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "golden-org-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	k, err := pki.ParseRSAKeyPEM(data)
	if err != nil {
		t.Fatal(err)
	}
	ski, err := pki.SubjectKeyID(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return Signing{Key: k, SKI: ski}
}
