package broker

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/dnsproof"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/federation/mfg"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/pki"
	"github.com/fedavail/fedavail/internal/wssec"
)

// md2Env is a broker checking proofs in a loopback DNS, with the
// ManageDelegation2 requests it received recorded for replays.
type md2Env struct {
	*env
	dns  *fedtest.DNSServer
	mu   sync.Mutex
	last []byte
}

func newMD2Env(t *testing.T) *md2Env {
	t.Helper()
	e := &md2Env{env: newEnv(t, nil)}
	dns, err := fedtest.NewDNSServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dns.Close() })
	e.dns = dns
	e.b.cfg.Domains = DNSVerifier{Verifier: &dnsproof.Verifier{Resolver: dns.Resolver()}}
	return e
}

func (e *md2Env) client(t testing.TB, kp *fedtest.KeyPair) *mfg.Client {
	ring := newRing(t, kp)
	return &mfg.Client{URL: e.url + mfg.Path, HTTPClient: &http.Client{Transport: recorder{e, e.http.Transport}}, Keys: ring, RetryFor: time.Millisecond}
}

// publish puts kp's proof of domain into DNS, beside what is there.
func (e *md2Env) publish(t testing.TB, kp *fedtest.KeyPair, domain string) {
	t.Helper()
	p, err := dnsproof.Proof(kp.Key, domain)
	if err != nil {
		t.Fatal(err)
	}
	e.dns.AddTXT(domain, p)
}

// recorder keeps the body of the last ManageDelegation2 request.
type recorder struct {
	e    *md2Env
	next http.RoundTripper
}

func (r recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(req.Body)
	r.e.mu.Lock()
	r.e.last = body
	r.e.mu.Unlock()
	req.Body = io.NopCloser(bytes.NewReader(body))
	return r.next.RoundTrip(req)
}

// replay posts a recorded request again, changed by edit, and returns the
// DomainError the broker answers with.
func (e *md2Env) replay(t *testing.T, op mfg.Operation, edit func([]byte) []byte) error {
	t.Helper()
	e.mu.Lock()
	data := edit(bytes.Clone(e.last))
	e.mu.Unlock()
	return e.post(t, data)
}

// post sends a request as is and returns the DomainError or fault answered.
func (e *md2Env) post(t *testing.T, data []byte) error {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.url+mfg.Path, bytes.NewReader(data))
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	resp, err := e.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	f := faultOf(t, body)
	if f == nil {
		return nil
	}
	return f
}

// faultOf reads a fault answer with the client's own decoder.
func faultOf(t *testing.T, body []byte) error {
	t.Helper()
	if !bytes.Contains(body, []byte("Fault>")) {
		return nil
	}
	f := &fedavail.Fault{Reason: "x", Detail: body[bytes.Index(body, []byte("<detail")):]}
	f.Detail = f.Detail[bytes.IndexByte(f.Detail, '>')+1 : bytes.Index(f.Detail, []byte("</detail>"))]
	if e := mfg.FaultError(f); e != nil {
		return e
	}
	return f
}

// TestManageDelegation2 registers contoso through ManageDelegation2 in
// Exchange's order (§8.5), fabrikam through the broker's own API, checks
// that tokens flow between them from the one registry, rolls contoso's
// certificate over and removes it again; then each kind of bad request
// gets its DomainError.
func TestManageDelegation2(t *testing.T) {
	e := newMD2Env(t)
	ctx := t.Context()
	con := e.client(t, contoso)

	// No proof yet: the error names the record to publish.
	_, err := con.CreateAppID(ctx, contosoURI)
	proof, _ := dnsproof.Proof(contoso.Key, "contoso.com")
	if !errors.Is(err, mfg.ErrProofOfOwnershipNotValid) || !strings.Contains(err.Error(), proof) {
		t.Fatalf("CreateAppId before the proof: %v", err)
	}
	e.publish(t, contoso, "contoso.com")
	appID, err := con.CreateAppID(ctx, contosoURI)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := con.CreateAppID(ctx, contosoURI); err != nil || again != appID {
		t.Errorf("CreateAppId again = %q, %v; want %q", again, err, appID)
	}
	if err := con.ReserveDomain(ctx, appID, contosoURI, ""); err != nil {
		t.Fatal(err)
	}
	info, err := con.GetDomainInfo(ctx, appID, contosoURI)
	if err != nil || info.DomainState != mfg.Active || info.AppID != appID {
		t.Fatalf("GetDomainInfo = %+v, %v", info, err)
	}
	if err := con.AddURI(ctx, appID, "contoso.com"); err != nil {
		t.Fatal(err)
	}
	// fabrikam through the broker's own API: one registry behind both.
	e.dns.AddTXT("fabrikam.com", mustProof(t, fabrikam, "fabrikam.com"))
	fab := e.regClient(t, fabrikam)
	if _, err := fab.Register(ctx, Registration{ApplicationURI: fabrikamURI, Domains: []string{"fabrikam.com"}, Current: fabrikam.Cert,
		DomainSignatures: map[string][][]byte{"fabrikam.com": {mustSign(t, fabrikam, "fabrikam.com")}}}); err != nil {
		t.Fatal(err)
	}
	if got := e.b.Organizations(); len(got) != 2 {
		t.Fatalf("registry holds %d organizations", len(got))
	}
	flows := func(t *testing.T, conRing *keyring.Ring) {
		t.Helper()
		tok, err := e.env.client(conRing).Token(ctx, fb)
		if err != nil {
			t.Fatalf("contoso → fabrikam token: %v", err)
		}
		if _, err := e.validator(t, newRing(t, fabrikam)).ValidateToken(ctx, tok.EncryptedData, fedavail.OfferFreeBusy); err != nil {
			t.Fatalf("fabrikam validates: %v", err)
		}
	}
	flows(t, newRing(t, contoso))

	// Rollover: publish the next certificate's proof, UpdateAppIdCertificate
	// signed with the current one, then the next one signs.
	e.publish(t, contoso2, "contoso.com")
	if err := con.UpdateAppIDCertificate(ctx, appID, contoso2.Cert); err != nil {
		t.Fatal(err)
	}
	ring2 := newRing(t, contoso2)
	flows(t, ring2)
	if err := con.AddURI(ctx, appID, "contoso.net"); !errors.Is(err, mfg.ErrInvalidManagementCertificate) {
		t.Errorf("old certificate after the rollover: %v", err)
	}
	con = e.client(t, contoso2)

	// Bad input.
	e.publish(t, contoso2, "contoso.net")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(con.AddURI(ctx, appID, "contoso.net"))
	rc := e.client(t, rogue) // one client per key: see mfg.Client on replays
	stale := e.client(t, contoso2)
	stale.Now = func() time.Time { return time.Now().Add(-time.Hour) }
	e.dns.AddTXT("fabrikam.com", mustProof(t, contoso2, "fabrikam.com"))
	tests := []struct {
		name string
		do   func() error
		want error
	}{
		{"expired timestamp", func() error { return stale.RemoveURI(ctx, appID, "contoso.net") }, mfg.ErrMemberNotAuthenticated},
		{"replayed request", func() error {
			must(con.AddURI(ctx, appID, "contoso.net"))
			return e.replay(t, mfg.OpAddURI, func(b []byte) []byte { return b })
		}, mfg.ErrMemberNotAuthenticated},
		{"signature by another certificate", func() error { return rc.RemoveURI(ctx, appID, "contoso.net") }, mfg.ErrInvalidManagementCertificate},
		{"GetDomainInfo polled with the same request, as Exchange does", func() error {
			_, err := con.GetDomainInfo(ctx, appID, contosoURI)
			must(err)
			must(e.replay(t, mfg.OpGetDomainInfo, func(b []byte) []byte { return b }))
			return nil
		}, nil},
		{"changed timestamp", func() error {
			_, err := con.GetDomainInfo(ctx, appID, contosoURI)
			must(err)
			return e.replay(t, mfg.OpGetDomainInfo, func(b []byte) []byte { return bytes.Replace(b, []byte("Z</u:Expires>"), []byte(".5Z</u:Expires>"), 1) })
		}, mfg.ErrMemberNotAuthenticated},
		{"proof for another domain", func() error {
			return e.post(t, craft(t, e.url, contoso2, mfg.OpAddURI, "contoso.net", contoso2, "appId", appID, "uri", "contoso.org"))
		}, mfg.ErrProofOfOwnershipNotValid},
		{"proof signed by another key", func() error {
			return e.post(t, craft(t, e.url, contoso2, mfg.OpAddURI, "contoso.net", rogue, "appId", appID, "uri", "contoso.net"))
		}, mfg.ErrProofOfOwnershipNotValid},
		{"signature over the body too", func() error {
			data := craft(t, e.url, contoso2, mfg.OpRemoveURI, "", nil, "appId", appID, "uri", "contoso.net")
			return e.post(t, bytes.Replace(data, []byte(`</ds:Reference>`), []byte(`</ds:Reference><ds:Reference URI="#body"/>`), 1))
		}, mfg.ErrMemberNotAuthenticated},
		{"domain without proof", func() error { return con.AddURI(ctx, appID, "contoso.org") }, mfg.ErrProofOfOwnershipNotValid},
		{"domain of another organization", func() error { return con.AddURI(ctx, appID, "fabrikam.com") }, mfg.ErrNotPermittedForDomain},
		{"domain over 32 characters", func() error { return con.AddURI(ctx, appID, "a-rather-long-department-name.example.org") }, mfg.ErrInvalidDomainName},
		{"unknown AppId", func() error { return con.RemoveURI(ctx, "0000000000000000", "contoso.net") }, mfg.ErrInvalidAppID},
		{"another organization's namespace", func() error { return con.ReserveDomain(ctx, appID, fabrikamURI, "") }, mfg.ErrNotPermittedForDomain},
		{"unknown program", func() error { return con.ReserveDomain(ctx, appID, contosoURI, "Other") }, mfg.ErrInvalidProgramID},
		{"not reserved", func() error { _, err := con.GetDomainInfo(ctx, appID, "FYDIBOHF25SPDLT.contoso.net"); return err }, mfg.ErrDomainNotReserved},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.do(); !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}

	// A certificate unfit for federation is not bound.
	sc, sk, err := pki.New(pki.Options{CommonName: "server only", ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	if err != nil {
		t.Fatal(err)
	}
	weak := &fedtest.KeyPair{Cert: sc, Key: sk}
	e.publish(t, weak, "weak.example")
	if _, err := e.client(t, weak).CreateAppID(ctx, "FYDIBOHF25SPDLT.weak.example"); !errors.Is(err, mfg.ErrInvalidPartnerCert) {
		t.Errorf("CreateAppId with a server-only certificate: %v", err)
	}
	if err := con.UpdateAppIDCertificate(ctx, appID, sc); !errors.Is(err, mfg.ErrInvalidPartnerCert) {
		t.Errorf("UpdateAppIdCertificate to a server-only certificate: %v", err)
	}

	// A namespace reserved by another AppId: rogue proves contoso.com too
	// and asks for contoso's namespace under its own identifier.
	e.publish(t, rogue, "contoso.com")
	if _, err := rc.CreateAppID(ctx, contosoURI); !errors.Is(err, mfg.ErrNotPermittedForDomain) {
		t.Errorf("CreateAppId of a taken URI: %v", err)
	}
	e.publish(t, rogue, "rogue.example")
	rogueID, err := rc.CreateAppID(ctx, "FYDIBOHF25SPDLT.rogue.example")
	if err != nil {
		t.Fatal(err)
	}
	if err := rc.ReserveDomain(ctx, rogueID, contosoURI, ""); !errors.Is(err, mfg.ErrDomainUnavailable) {
		t.Errorf("ReserveDomain of a namespace reserved by another AppId: %v", err)
	}

	// Removal in Exchange's order; the broker then refuses contoso's tokens.
	must(con.RemoveURI(ctx, appID, "contoso.net"))
	must(con.RemoveURI(ctx, appID, "contoso.com"))
	must(con.RemoveURI(ctx, appID, contosoURI))
	must(con.ReleaseDomain(ctx, appID, contosoURI))
	if _, err := con.GetDomainInfo(ctx, appID, contosoURI); !errors.Is(err, mfg.ErrInvalidAppID) {
		t.Errorf("GetDomainInfo after release: %v", err)
	}
	if got := e.b.Organizations(); len(got) != 2 || got[0].ApplicationURI != fabrikamURI {
		t.Errorf("registry after release (fabrikam and rogue): %+v", got)
	}
	if _, err := e.env.client(ring2).Token(ctx, fb); err == nil {
		t.Error("token issued to a released organization")
	}
}

// TestDomainStates follows a reservation through PendingActivation,
// Active and PendingRelease with a delay.
func TestDomainStates(t *testing.T) {
	e := newMD2Env(t)
	now := time.Now()
	e.b.cfg.Now = func() time.Time { return now }
	e.b.cfg.DomainStateDelay = time.Minute
	ctx := t.Context()
	con := e.client(t, contoso)
	con.Now = e.b.cfg.Now
	e.publish(t, contoso, "contoso.com")
	appID, err := con.CreateAppID(ctx, contosoURI)
	if err != nil {
		t.Fatal(err)
	}
	if err := con.ReserveDomain(ctx, appID, contosoURI, ""); err != nil {
		t.Fatal(err)
	}
	state := func(want mfg.DomainState) {
		t.Helper()
		info, err := con.GetDomainInfo(ctx, appID, contosoURI)
		if err != nil || info.DomainState != want {
			t.Fatalf("state = %+v, %v; want %s", info, err, want)
		}
	}
	state(mfg.PendingActivation)
	now = now.Add(time.Minute)
	state(mfg.Active)
	if err := con.ReleaseDomain(ctx, appID, contosoURI); err != nil {
		t.Fatal(err)
	}
	state(mfg.PendingRelease)
	now = now.Add(time.Minute)
	if _, err := con.GetDomainInfo(ctx, appID, contosoURI); !errors.Is(err, mfg.ErrInvalidAppID) {
		t.Errorf("after the release: %v", err)
	}
	if len(e.b.Organizations()) != 0 {
		t.Error("released registration kept")
	}
}

func mustSign(t testing.TB, kp *fedtest.KeyPair, d string) []byte {
	sig, err := dnsproof.Sign(kp.Key, d)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func mustProof(t testing.TB, kp *fedtest.KeyPair, d string) string {
	return dnsproof.ProofFromSignature(mustSign(t, kp, d))
}

var craftSeq atomic.Int64

// craft builds a ManageDelegation2 request by hand: signed (Timestamp) by
// signer, with a proof header for proofDomain signed by prover (none when
// prover is nil), and the body parameters given.
func craft(t *testing.T, url string, signer *fedtest.KeyPair, op mfg.Operation, proofDomain string, prover *fedtest.KeyPair, params ...string) []byte {
	t.Helper()
	var b strings.Builder
	b.WriteString(`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>`)
	if prover != nil {
		sig := mustSign(t, prover, mfg.SigningDomain(proofDomain))
		b.WriteString(`<md:DomainOwnershipProofHeader xmlns:md="` + mfg.Namespace + `"><md:Domain>` + proofDomain + `</md:Domain><md:HashAlgorithm>SHA-512</md:HashAlgorithm><md:Signature>` +
			base64.StdEncoding.EncodeToString(sig) + `</md:Signature></md:DomainOwnershipProofHeader>`)
	}
	// Earlier than any client's Created, never twice the same: a request
	// signed in the same second by the same key would be a replay.
	now := time.Now().Add(-time.Duration(30+craftSeq.Add(1)) * time.Second)
	ts := wssec.Timestamp("_0", now, now.Add(5*time.Minute), wssec.TimeFormatSec)
	sig, err := (&wssec.Signer{Key: signer.Key, Certificate: signer.Cert}).Sign([]wssec.Reference{{ID: "_0", Element: ts}})
	if err != nil {
		t.Fatal(err)
	}
	b.WriteString(`<o:Security xmlns:o="` + ns.WSSE + `">` + string(ts) + string(sig) + `</o:Security></s:Header><s:Body>`)
	b.WriteString(`<md:` + string(op) + ` xmlns:md="` + mfg.Namespace + `">`)
	for i := 0; i+1 < len(params); i += 2 {
		b.WriteString(`<md:` + params[i] + `>` + params[i+1] + `</md:` + params[i] + `>`)
	}
	b.WriteString(`</md:` + string(op) + `></s:Body></s:Envelope>`)
	return []byte(b.String())
}
