package mfg

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/internal/golden"
	"github.com/fedavail/fedavail/internal/pki"
)

// goldenNow is the clock of the golden requests.
var goldenNow = time.Date(2030, 3, 11, 9, 30, 0, 0, time.UTC)

// orgRing returns the fixed organization certificate of the golden files
// (testdata/org.pem and org.key, made on -update when missing).
func orgRing(t testing.TB) *keyring.Ring {
	t.Helper()
	certFile, keyFile := filepath.Join("testdata", "org.pem"), filepath.Join("testdata", "org.key")
	if _, err := os.Stat(keyFile); err != nil && golden.Updating() {
		c, k, err := pki.New(pki.Options{CommonName: "contoso federation", NotBefore: goldenNow.AddDate(-1, 0, 0), NotAfter: goldenNow.AddDate(4, 0, 0)})
		if err != nil {
			t.Fatal(err)
		}
		kp, _ := pki.KeyPEM(k)
		must(t, os.MkdirAll("testdata", 0o755))
		must(t, os.WriteFile(certFile, pki.CertPEM(c), 0o644))
		must(t, os.WriteFile(keyFile, kp, 0o644))
	}
	cp, err := os.ReadFile(certFile)
	must(t, err)
	kp, err := os.ReadFile(keyFile)
	must(t, err)
	certs, err := pki.ParseCertsPEM(cp)
	must(t, err)
	key, err := pki.ParseRSAKeyPEM(kp)
	must(t, err)
	r, err := keyring.New(keyring.Pair{Cert: certs[0], Key: key})
	must(t, err)
	return r
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// recorded is one request a fake gateway received.
type recorded struct {
	Header http.Header
	Path   string
	Body   []byte
}

// fakeGateway answers every request with the next of answers (status and
// body; the last repeats) and records what it received.
type fakeGateway struct {
	*httptest.Server
	mu      sync.Mutex
	got     []recorded
	answers []answer
}

type answer struct {
	status int
	body   string
	header http.Header
}

func newFake(t *testing.T, answers ...answer) *fakeGateway {
	f := &fakeGateway{answers: answers}
	f.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.got = append(f.got, recorded{Header: r.Header.Clone(), Path: r.URL.Path, Body: body})
		a := f.answers[min(len(f.got), len(f.answers))-1]
		f.mu.Unlock()
		for k, v := range a.header {
			w.Header()[k] = v
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		}
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeGateway) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.got...)
}

func (f *fakeGateway) client(t testing.TB) *Client {
	return &Client{URL: f.URL + Path, HTTPClient: f.Client(), Keys: orgRing(t), Now: func() time.Time { return goldenNow }, RetryWait: 10 * time.Millisecond, RetryFor: 2 * time.Second}
}

// envelope wraps a body in a SOAP 1.1 envelope, as ASMX answers.
func envelope(body string) string {
	return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body>` + body + `</soap:Body></soap:Envelope>`
}

// fault is a SOAP 1.1 fault with a DomainError detail, in the shape
// Exchange's client reads: the code as the first child, for PassportError
// the HRESULT as the last.
func fault(code Code, msg string, extra ...string) string {
	return envelope(`<soap:Fault><faultcode>soap:Client</faultcode><faultstring>` + msg + `</faultstring><detail><ErrorCode>` +
		strconv.Itoa(int(code)) + `</ErrorCode>` + strings.Join(extra, "") + `</detail></soap:Fault>`)
}

func mustB64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	must(t, err)
	return b
}
