package admin_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/federation/admin"
	"github.com/fedavail/fedavail/federation/metadata"
	"github.com/fedavail/fedavail/federation/token"
	"github.com/fedavail/fedavail/federation/wstrust"
	"github.com/fedavail/fedavail/sharing"
)

// TestWorkflow walks the administrator's workflow for two organizations,
// contoso.test and fabrikam.test, against the embedded broker and a DNS
// server: certificates, trust, proofs, domains, relationships both ways,
// tokens, a rollover of both under load, and de-federation.
func TestWorkflow(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	contoso := w.open(t, "contoso.test", "contoso.net")
	fabrikam := w.open(t, "fabrikam.test")

	// Trust is refused until the first domain's proof is published.
	_, err := contoso.Trust(ctx, admin.TrustOptions{BrokerURL: w.URL, Domain: "contoso.test"})
	if !errors.Is(err, admin.ErrProofMissing) || !strings.Contains(err.Error(), "TXT record for contoso.test not found yet: publish contoso.test. 3600 IN TXT \"") {
		t.Fatalf("Trust before the proof = %v", err)
	}
	oneLine(t, err)
	for o, d := range map[*admin.Org]string{contoso: "contoso.test", fabrikam: "fabrikam.test"} {
		w.publish(t, o, d)
		tc, err := o.Trust(ctx, admin.TrustOptions{BrokerURL: w.URL, Domain: d})
		if err != nil {
			t.Fatalf("Trust %s: %v", d, err)
		}
		if tc.ApplicationURI != appURI(d) || tc.AccountNamespace != appURI(d) || len(tc.ApplicationIdentifier) != 16 ||
			tc.TokenIssuerURI != brokerURI || tc.TokenIssuerEpr != w.URL+"/extSTS.srf" {
			t.Errorf("trust of %s = %+v", d, tc)
		}
	}

	// A second domain, refused before its own proof is published.
	if err := contoso.AddDomain(ctx, "contoso.net"); !errors.Is(err, admin.ErrProofMissing) {
		t.Fatalf("AddDomain before the proof = %v", err)
	}
	w.publish(t, contoso, "contoso.net")
	if err := contoso.AddDomain(ctx, "contoso.net"); err != nil {
		t.Fatal(err)
	}
	if got := w.Registered(appURI("contoso.test")); !slices.Equal(got, []string{"contoso.test", "contoso.net"}) {
		t.Errorf("broker has contoso's domains %v", got)
	}

	// Relationships both ways, from each other's federation information.
	must(t, contoso.AddRelationship(admin.NewRelationship("Fabrikam", admin.FederationInformation{
		ApplicationURI: appURI("fabrikam.test"), DomainNames: []string{"fabrikam.test"},
		TargetAutodiscoverEpr: "https://autodiscover.fabrikam.test/autodiscover/autodiscover.svc/WSSecurity"})))
	must(t, fabrikam.AddRelationship(admin.NewRelationship("Contoso", admin.FederationInformation{
		ApplicationURI: appURI("contoso.test"), DomainNames: []string{"contoso.test", "contoso.net"}})))

	// contoso → fabrikam: a token issued by the broker, validated by
	// fabrikam, and fabrikam's sharing file grants time-only free/busy.
	ask := asker(t, w, contoso, appURI("fabrikam.test"))
	validate := validator(t, w, fabrikam)
	req, err := validate(ask(ctx, "alice@contoso.net"))
	if err != nil {
		t.Fatal(err)
	}
	policy, err := loadPolicy(fabrikam)
	if err != nil {
		t.Fatal(err)
	}
	if lvl, err := policy.Access(ctx, *req, "bob@fabrikam.test"); err != nil || lvl != fedavail.AccessAvailabilityOnly {
		t.Errorf("fabrikam gives %s %v (%v), want AvailabilityOnly", req.Address, lvl, err)
	}

	// Rollover of both organizations while tokens are asked for and
	// validated without pause.
	var (
		wg       sync.WaitGroup
		stop     = make(chan struct{})
		rounds   [4]atomic.Int64
		failures atomic.Int64
		firstErr atomic.Value
	)
	for i := range rounds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := validate(ask(ctx, fmt.Sprintf("user%d@contoso.test", i))); err != nil {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
				rounds[i].Add(1)
			}
		}()
	}
	// settle waits until every worker has run a request begun after now.
	settle := func() {
		var want [len(rounds)]int64
		for i := range rounds {
			want[i] = rounds[i].Load() + 2
		}
		for i := range rounds {
			for rounds[i].Load() < want[i] {
				time.Sleep(time.Millisecond)
			}
		}
	}
	for _, o := range []*admin.Org{contoso, fabrikam} {
		tc, _ := o.TrustConfig()
		rollover(t, o, admin.RolloverNextInstalled)
		// Switching before the next proof is published is refused.
		if _, err := o.Rollover(ctx, admin.CertificateOptions{}); !errors.Is(err, admin.ErrProofMissing) {
			t.Errorf("switch before publishing = %v", err)
		}
		for _, d := range tc.Domains {
			w.publish(t, o, d)
		}
		settle()
		rollover(t, o, admin.RolloverSwitched)
	}
	settle()
	for _, o := range []*admin.Org{contoso, fabrikam} {
		rollover(t, o, admin.RolloverFinished)
	}
	settle()
	close(stop)
	wg.Wait()
	if n := failures.Load(); n > 0 {
		t.Fatalf("%d token requests failed during the rollover, first: %v", n, firstErr.Load())
	}
	if c := contoso.Certificates(); len(c) != 1 {
		t.Errorf("after the rollover contoso has %d certificates, want 1", len(c))
	}

	// De-federation: relationships, registration and trust go; the broker
	// refuses contoso's requests with a Sender fault.
	must(t, contoso.Defederate(ctx))
	if rs, err := contoso.Relationships(); err != nil || len(rs) != 0 {
		t.Errorf("relationships after Defederate: %v %v", rs, err)
	}
	if got := w.Registered(appURI("contoso.test")); got != nil {
		t.Errorf("broker still has contoso: %v", got)
	}
	if _, err := contoso.TrustConfig(); !errors.Is(err, admin.ErrNotTrusted) {
		t.Errorf("TrustConfig after Defederate = %v", err)
	}
	_, err = ask(ctx, "alice@contoso.test")
	var f *fedavail.Fault
	if !errors.As(err, &f) || f.Code != "Sender" || !slices.Contains(f.Subcodes, "FailedAuthentication") {
		t.Errorf("token request after Defederate = %v, want a Sender fault FailedAuthentication", err)
	}
	if err := contoso.Defederate(ctx); !errors.Is(err, admin.ErrNotTrusted) {
		t.Errorf("second Defederate = %v, want ErrNotTrusted (nothing to do)", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func rollover(t *testing.T, o *admin.Org, want admin.RolloverStage) {
	t.Helper()
	got, err := o.Rollover(context.Background(), admin.CertificateOptions{})
	if err != nil || got != want {
		t.Fatalf("Rollover = %v, %v; want %v", got, err, want)
	}
}

// asker returns a function asking the broker for a free/busy token from
// user (of o) to audience, signed with o's live key ring.
func asker(t *testing.T, w *world, o *admin.Org, audience string) func(ctx context.Context, user string) (*fedavail.Token, error) {
	t.Helper()
	tc, err := o.TrustConfig()
	if err != nil {
		t.Fatal(err)
	}
	c := &wstrust.Client{HTTPClient: w.HTTPClient, Endpoint: tc.TokenIssuerEpr, IssuerURI: tc.TokenIssuerURI,
		ApplicationURI: tc.ApplicationURI, Keys: o.Keys(), MaxAttempts: 1}
	return func(ctx context.Context, user string) (*fedavail.Token, error) {
		return c.Token(ctx, fedavail.TokenRequest{Requester: user, Audience: audience, Offer: fedavail.OfferFreeBusy})
	}
}

// validator returns o's check of incoming free/busy tokens: its live key
// ring, and the broker's metadata as published, without a cache so every
// token is decrypted.
func validator(t *testing.T, w *world, o *admin.Org) func(*fedavail.Token, error) (*fedavail.Requester, error) {
	t.Helper()
	tc, err := o.TrustConfig()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := w.HTTPClient.Get(tc.TokenIssuerMetadataEpr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("metadata: %s", resp.Status)
	}
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	md, err := metadata.Parse(data, time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := token.NewValidator(token.ValidatorConfig{ApplicationURI: tc.ApplicationURI, Keys: o.Keys(), Trust: md, CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	return func(tok *fedavail.Token, err error) (*fedavail.Requester, error) {
		if err != nil {
			return nil, err
		}
		return v.ValidateToken(context.Background(), tok.EncryptedData, fedavail.OfferFreeBusy)
	}
}

// loadPolicy reads o's sharing file as an answering server would.
func loadPolicy(o *admin.Org) (*sharing.Policy, error) {
	cfg, err := sharing.LoadFile(o.SharingFile())
	if err != nil {
		return nil, err
	}
	return sharing.New(cfg, nil)
}
