package broker

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/federation/metadata"
	"github.com/fedavail/fedavail/federation/token"
	"github.com/fedavail/fedavail/federation/wstrust"
	"github.com/fedavail/fedavail/fedtest"
)

const brokerURI = "urn:federation:fedavail-test"

const (
	contosoURI  = "FYDIBOHF25SPDLT.contoso.com"
	fabrikamURI = "FYDIBOHF25SPDLT.fabrikam.com"
)

// Keys are made once per test binary.
var (
	keysOnce                                      sync.Once
	contoso, contoso2, fabrikam, fabrikam2, rogue *fedtest.KeyPair
	brokerKey, brokerKey2                         *fedtest.KeyPair
	ca                                            *fedtest.CA
	errKeys                                       error
)

func testKeys(t testing.TB) {
	t.Helper()
	keysOnce.Do(func() {
		mk := func(dst **fedtest.KeyPair, f func(string) (*fedtest.KeyPair, error), name string) {
			if errKeys == nil {
				*dst, errKeys = f(name)
			}
		}
		mk(&contoso, fedtest.NewOrgCert, "contoso")
		mk(&contoso2, fedtest.NewOrgCert, "contoso next")
		mk(&fabrikam, fedtest.NewOrgCert, "fabrikam")
		mk(&fabrikam2, fedtest.NewOrgCert, "fabrikam next")
		mk(&rogue, fedtest.NewOrgCert, "rogue")
		mk(&brokerKey, fedtest.NewBrokerCert, "broker")
		mk(&brokerKey2, fedtest.NewBrokerCert, "broker next")
		if errKeys == nil {
			ca, errKeys = fedtest.NewCA()
		}
	})
	if errKeys != nil {
		t.Fatal(errKeys)
	}
}

func pair(kp *fedtest.KeyPair) keyring.Pair { return keyring.Pair{Cert: kp.Cert, Key: kp.Key} }

func newRing(t testing.TB, kp *fedtest.KeyPair) *keyring.Ring {
	t.Helper()
	r, err := keyring.New(pair(kp))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// fakeDomains accepts the domains listed, as a DNS proof check would.
type fakeDomains struct {
	mu sync.Mutex
	ok map[string]bool
}

func (f *fakeDomains) VerifyDomain(_ context.Context, d string, _ *Organization) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.ok[d] {
		return errors.New("no TXT proof found")
	}
	return nil
}

type env struct {
	b      *Broker
	url    string
	keys   *keyring.Ring
	http   *http.Client
	domain *fakeDomains
}

func newEnv(t testing.TB, store Store) *env {
	t.Helper()
	testKeys(t)
	var h http.Handler
	srv, err := ca.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	e := &env{url: srv.URL, keys: newRing(t, brokerKey), http: ca.HTTPClient(nil),
		domain: &fakeDomains{ok: map[string]bool{"contoso.com": true, "fabrikam.com": true}}}
	if store == nil {
		store = &MemoryStore{}
	}
	e.b, err = New(context.Background(), Config{URI: brokerURI, BaseURL: srv.URL, Keys: e.keys, Store: store, Domains: e.domain})
	if err != nil {
		t.Fatal(err)
	}
	h = e.b
	return e
}

func (e *env) register(t testing.TB) {
	t.Helper()
	for _, r := range []Registration{
		{ApplicationURI: contosoURI, Domains: []string{"contoso.com"}, Current: contoso.Cert},
		{ApplicationURI: fabrikamURI, Domains: []string{"fabrikam.com"}, Current: fabrikam.Cert},
	} {
		if _, err := e.b.Register(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
}

func (e *env) client(keys *keyring.Ring) *wstrust.Client {
	return &wstrust.Client{HTTPClient: e.http, Endpoint: e.url + TokenPath, IssuerURI: brokerURI, ApplicationURI: contosoURI, Keys: keys, MaxAttempts: 1}
}

// validator is fabrikam's side: it trusts the broker's metadata as fetched now.
func (e *env) validator(t *testing.T, keys *keyring.Ring) *token.Validator {
	t.Helper()
	md := e.metadata(t)
	v, err := token.NewValidator(token.ValidatorConfig{ApplicationURI: fabrikamURI, Keys: keys, Trust: md, CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// metadata fetches and parses the broker's federation metadata.
func (e *env) metadata(t *testing.T) *metadata.Metadata {
	t.Helper()
	resp, err := e.http.Get(e.url + MetadataPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	md, err := metadata.Parse(data, timeNow(), nil)
	if err != nil {
		t.Fatalf("metadata: %v\n%s", err, data)
	}
	return md
}

var fb = fedavail.TokenRequest{Requester: "alice@contoso.com", Audience: fabrikamURI, Offer: fedavail.OfferFreeBusy}

func TestEndToEnd(t *testing.T) {
	e := newEnv(t, nil)
	e.register(t)
	tok, err := e.client(newRing(t, contoso)).Token(context.Background(), fb)
	if err != nil {
		t.Fatal(err)
	}
	req, err := e.validator(t, newRing(t, fabrikam)).ValidateToken(context.Background(), tok.EncryptedData, fedavail.OfferFreeBusy)
	if err != nil {
		var ve *token.ValidationError
		errors.As(err, &ve)
		t.Fatalf("validate: %v (%s)", err, ve.Detail())
	}
	if req.Address != "alice@contoso.com" || req.Domain != "contoso.com" || !req.Federated {
		t.Errorf("requester = %+v", req)
	}
}

func TestTokenFaults(t *testing.T) {
	e := newEnv(t, nil)
	e.register(t)
	good := e.client(newRing(t, contoso))
	tampered := func(ctx context.Context, _ fedavail.TokenRequest) error {
		data, err := good.NewRequest(fb).Marshal(wstrust.Signing{Key: contoso.Key, SKI: contoso.SKI()})
		if err != nil {
			return err
		}
		data = []byte(strings.Replace(string(data), "alice@contoso.com</saml:AttributeValue>", "ceo@contoso.com</saml:AttributeValue>", 1))
		return postRaw(ctx, e, data)
	}
	tests := []struct {
		name   string
		call   func(context.Context, fedavail.TokenRequest) error
		req    fedavail.TokenRequest
		reason string
	}{
		{"unknown requester key", tokenErr(e.client(newRing(t, rogue))), fb, wstrust.ReasonUnknownKey.String()},
		{"unverified domain", tokenErr(good), fedavail.TokenRequest{Requester: "mallory@evil.example", Audience: fabrikamURI, Offer: fedavail.OfferFreeBusy}, "not a verified domain"},
		{"unknown audience", tokenErr(good), fedavail.TokenRequest{Requester: "alice@contoso.com", Audience: "FYDIBOHF25SPDLT.nowhere.example", Offer: fedavail.OfferFreeBusy}, "no registered organization"},
		{"unknown offer", tokenErr(good), fedavail.TokenRequest{Requester: "alice@contoso.com", Audience: fabrikamURI, Offer: "Custom.Offer"}, "unknown offer"},
		{"tampered RST", tampered, fb, wstrust.ReasonAssertion.String()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call(context.Background(), tc.req)
			var f *fedavail.Fault
			if !errors.As(err, &f) {
				t.Fatalf("err = %v, want a SOAP fault", err)
			}
			if f.Code != "Sender" || !strings.Contains(f.Reason, tc.reason) {
				t.Errorf("fault %s %q, want Sender containing %q", f.Code, f.Reason, tc.reason)
			}
		})
	}
}

// TestIdentityForms: the broker issues tokens for users named either way
// Exchange names them (UPN, on-premises ImmutableID) and refuses an
// ImmutableID outside the requester's namespace or an unknown format.
func TestIdentityForms(t *testing.T) {
	e := newEnv(t, nil)
	e.register(t)
	with := func(id wstrust.IdentityFunc) *wstrust.Client {
		c := e.client(newRing(t, contoso))
		c.Identity = id
		return c
	}
	tests := []struct {
		name   string
		id     wstrust.IdentityFunc
		reason string // "" for a token
	}{
		{"UPN", wstrust.UPN, ""},
		{"ImmutableID", wstrust.ImmutableIDs(contosoURI, nil), ""},
		{"ImmutableID of another namespace", wstrust.ImmutableIDs(fabrikamURI, nil), "account namespace"},
		{"unknown format", func(a string) wstrust.Identity { return wstrust.Identity{NameID: a, Format: "urn:example:nickname"} }, "unknown name identifier format"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := with(tc.id).Token(t.Context(), fb)
			if tc.reason == "" {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := e.validator(t, newRing(t, fabrikam)).ValidateToken(t.Context(), tok.EncryptedData, fedavail.OfferFreeBusy); err != nil {
					t.Errorf("validate: %v", err)
				}
				return
			}
			var f *fedavail.Fault
			if !errors.As(err, &f) || f.Code != "Sender" || !strings.Contains(f.Reason, tc.reason) {
				t.Errorf("err = %v, want a Sender fault saying %q", err, tc.reason)
			}
		})
	}
}

func tokenErr(c *wstrust.Client) func(context.Context, fedavail.TokenRequest) error {
	return func(ctx context.Context, r fedavail.TokenRequest) error { _, err := c.Token(ctx, r); return err }
}

// postRaw sends an RST as is and decodes the answer like the client does.
func postRaw(ctx context.Context, e *env, data []byte) error {
	resp, err := e.http.Post(e.url+TokenPath, "application/soap+xml; charset=utf-8", strings.NewReader(string(data)))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	_, err = wstrust.ParseResponse(body, xmlLimits)
	return err
}

func TestRollover(t *testing.T) {
	e := newEnv(t, nil)
	e.register(t)
	ctx := context.Background()
	contosoKeys, fabrikamKeys := newRing(t, contoso), newRing(t, fabrikam)
	client := e.client(contosoKeys)
	// ask gets a token and has fabrikam validate it with metadata fetched now.
	step := 0
	ask := func(what string) {
		t.Helper()
		step++
		tok, err := client.Token(ctx, fb)
		if err != nil {
			t.Fatalf("step %d (%s): token: %v", step, what, err)
		}
		if _, err := e.validator(t, fabrikamKeys).ValidateToken(ctx, tok.EncryptedData, fedavail.OfferFreeBusy); err != nil {
			var ve *token.ValidationError
			errors.As(err, &ve)
			t.Fatalf("step %d (%s): validate: %s", step, what, ve.Detail())
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ask("before")

	// Requesting organization: publish the next certificate, switch to it, retire the old one.
	_, err := e.b.Update(ctx, Registration{ApplicationURI: contosoURI, Domains: []string{"contoso.com"}, Current: contoso.Cert, Next: contoso2.Cert})
	must(err)
	ask("contoso next published")
	must(contosoKeys.SetNext(pair(contoso2)))
	must(contosoKeys.Promote())
	ask("contoso signs with next")
	_, err = e.b.Update(ctx, Registration{ApplicationURI: contosoURI, Domains: []string{"contoso.com"}, Current: contoso2.Cert})
	must(err)
	ask("contoso old certificate retired")

	// Target organization: it installs the next certificate first (so it can
	// decrypt with either), then the broker switches encryption to it.
	must(fabrikamKeys.SetNext(pair(fabrikam2)))
	ask("fabrikam next installed")
	_, err = e.b.Update(ctx, Registration{ApplicationURI: fabrikamURI, Domains: []string{"fabrikam.com"}, Current: fabrikam2.Cert})
	must(err)
	ask("broker encrypts to fabrikam next")
	must(fabrikamKeys.Promote())
	ask("fabrikam promoted")

	// Broker: new signing key; the metadata publishes current and previous.
	must(e.keys.SetNext(pair(brokerKey2)))
	must(e.keys.Promote())
	ask("broker key rolled")
}

func TestRemovedOrganizationRefused(t *testing.T) {
	e := newEnv(t, nil)
	e.register(t)
	if err := e.b.Remove(context.Background(), contosoURI); err != nil {
		t.Fatal(err)
	}
	_, err := e.client(newRing(t, contoso)).Token(context.Background(), fb)
	var f *fedavail.Fault
	if !errors.As(err, &f) || f.Code != "Sender" {
		t.Errorf("err = %v, want a Sender fault", err)
	}
	if got := len(e.b.Organizations()); got != 1 {
		t.Errorf("%d organizations, want 1", got)
	}
}

func TestMetadataRollover(t *testing.T) {
	e := newEnv(t, nil)
	if err := e.keys.SetNext(pair(brokerKey2)); err != nil {
		t.Fatal(err)
	}
	// Staged: published second, before it signs anything.
	// (Readers order them by expiry, as Exchange does.)
	if md := e.metadata(t); len(md.Certs) != 2 || !slices.ContainsFunc(md.Certs, brokerKey.Cert.Equal) || !slices.ContainsFunc(md.Certs, brokerKey2.Cert.Equal) {
		t.Errorf("metadata with a staged key: %d certificates, want the current and the next", len(md.Certs))
	}
	if err := e.keys.Promote(); err != nil {
		t.Fatal(err)
	}
	md := e.metadata(t)
	if md.IssuerURI != brokerURI || md.TokenEndpoint != e.url+TokenPath || len(md.Certs) != 2 ||
		!md.Certs[0].Equal(brokerKey2.Cert) || !md.Certs[1].Equal(brokerKey.Cert) {
		t.Errorf("metadata = %+v", md)
	}
}

// TestTokenReplayRefused sends one signed RST twice: the first is answered,
// the second refused, even with another AppliesTo (the body is not signed).
func TestTokenReplayRefused(t *testing.T) {
	e := newEnv(t, nil)
	e.register(t)
	data, err := e.client(newRing(t, contoso)).NewRequest(fb).Marshal(wstrust.Signing{Key: contoso.Key, SKI: contoso.SKI()})
	if err != nil {
		t.Fatal(err)
	}
	if err := postRaw(t.Context(), e, data); err != nil {
		t.Fatalf("first use: %v", err)
	}
	for _, replay := range [][]byte{data, []byte(strings.Replace(string(data), fabrikamURI, contosoURI, 1))} {
		err := postRaw(t.Context(), e, replay)
		var f *fedavail.Fault
		if !errors.As(err, &f) || f.Code != "Sender" || !strings.Contains(f.Reason, "replayed") {
			t.Errorf("replay: %v, want a Sender fault naming the replay", err)
		}
	}
}

// TestTokenRequestsInOneInstant: two different requests signed in the same
// instant share their header signature (it covers wsa:To and the timestamp
// only); both are answered, neither is taken for a replay of the other.
func TestTokenRequestsInOneInstant(t *testing.T) {
	e := newEnv(t, nil)
	e.register(t)
	now := time.Now().Truncate(time.Second)
	c := e.client(newRing(t, contoso))
	c.Now = func() time.Time { return now }
	a, err := c.NewRequest(fb).Marshal(wstrust.Signing{Key: contoso.Key, SKI: contoso.SKI()})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.NewRequest(fedavail.TokenRequest{Requester: "bob@contoso.com", Audience: fabrikamURI, Offer: fedavail.OfferFreeBusy}).Marshal(wstrust.Signing{Key: contoso.Key, SKI: contoso.SKI()})
	if err != nil {
		t.Fatal(err)
	}
	sig := func(rst []byte) string {
		_, v, _ := strings.Cut(string(rst), "<ds:SignatureValue>")
		v, _, _ = strings.Cut(v, "<")
		return v
	}
	if sig(a) != sig(b) {
		t.Fatal("the two requests' header signatures differ; the test needs them equal")
	}
	for i, rst := range [][]byte{a, b} {
		if err := postRaw(t.Context(), e, rst); err != nil {
			t.Errorf("request %d: %v", i, err)
		}
	}
}
