package federation_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/sharing"
)

// gatedRelationships holds every relationship look-up, the first thing
// done for a partner, until the test lets one go, and counts how many are
// held.
type gatedRelationships struct {
	release chan struct{}

	mu   sync.Mutex
	held int
}

func (g *gatedRelationships) RelationshipFor(domain string) (sharing.OrganizationRelationship, error) {
	g.mu.Lock()
	g.held++
	g.mu.Unlock()
	<-g.release
	g.mu.Lock()
	g.held--
	g.mu.Unlock()
	return sharing.OrganizationRelationship{}, fmt.Errorf("gated %s: %w", domain, sharing.ErrNoRelationship)
}

func (g *gatedRelationships) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.held
}

// No more than Config.MaxParallel partners are asked at once, and that
// many are. Inside a synctest bubble, synctest.Wait returns only once every
// partner's goroutine is either held in the look-up or waiting for its
// turn, so the count of held look-ups is exact, without timing.
func TestAvailabilityMaxParallel(t *testing.T) {
	k, err := keys()
	if err != nil {
		t.Fatal(err)
	}
	kr := ring(t, k.contoso)
	tests := []struct {
		maxParallel, partners int
		wantAtOnce            int
	}{
		{maxParallel: 1, partners: 3, wantAtOnce: 1},
		{maxParallel: 3, partners: 7, wantAtOnce: 3},
		{maxParallel: 0, partners: 11, wantAtOnce: 11}, // the default (64) is above the partner count
		{maxParallel: 5, partners: 2, wantAtOnce: 2},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("MaxParallel=%d,partners=%d", tt.maxParallel, tt.partners), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rels := &gatedRelationships{release: make(chan struct{})}
				c, err := federation.NewClient(federation.Config{
					ApplicationURI: appURI("contoso.test"), Keys: kr, Relationships: rels, MaxParallel: tt.maxParallel,
					Broker: federation.TrustBroker{IssuerURI: brokerURI, TokenEndpoint: "https://sts.test/extSTS.srf"},
				})
				if err != nil {
					t.Fatal(err)
				}
				var attendees []string
				for i := range tt.partners {
					attendees = append(attendees, fmt.Sprintf("someone@partner%d.test", i))
				}
				start := time.Date(2025, 3, 24, 0, 0, 0, 0, time.UTC)
				done := make(chan *federation.Result)
				go func() {
					res, err := c.Availability(context.Background(), federation.Query{From: "alice@contoso.test", Attendees: attendees, Start: start, End: start.Add(time.Hour)})
					if err != nil {
						t.Error(err)
					}
					done <- res
				}()
				for answered := range tt.partners {
					synctest.Wait()
					if got, want := rels.count(), min(tt.wantAtOnce, tt.partners-answered); got != want {
						t.Errorf("after %d partners answered: %d asked at once, want %d", answered, got, want)
						close(rels.release) // let everyone go, so the bubble can end
						break
					}
					rels.release <- struct{}{}
				}
				res := <-done
				for _, a := range res.Attendees {
					if !errors.Is(a.Err, sharing.ErrNoRelationship) {
						t.Errorf("%s: err %v, want the gated look-up's", a.Address, a.Err)
					}
				}
			})
		})
	}
}

// A partner that hangs costs its own attendees a timeout at
// Config.PartnerTimeout; the query returns, and other partners' answers
// are kept.
func TestAvailabilityPartnerTimeout(t *testing.T) {
	w := newWorld(t)
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) }) // before the servers close: cleanups run last-in first-out
	w.mu.Lock()
	w.onRequest = func(r *http.Request) {
		if strings.HasSuffix(r.Host, "fabrikam.test") {
			select {
			case <-hang:
			case <-r.Context().Done():
			}
		}
	}
	w.mu.Unlock()
	cfg := w.config(t, rel("Fabrikam", "fabrikam.test"), rel("Woodgrove", "woodgrove.test"))
	// Long enough that woodgrove's refusal (a token, discovery and an EWS
	// call, with TLS handshakes) always comes back first, even on a loaded
	// machine; the hung partner costs exactly this long.
	cfg.PartnerTimeout = 5 * time.Second
	c, err := federation.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Availability(t.Context(), federation.Query{
		From: "alice@contoso.test", Attendees: []string{"dana@fabrikam.test", "gil@woodgrove.test"},
		Start: w.week, End: w.week.Add(24 * time.Hour),
	})
	if err != nil {
		t.Fatalf("the query failed as a whole: %v", err)
	}
	var ae *federation.AttendeeError
	if dana := res.Attendees[0]; !errors.As(dana.Err, &ae) || !errors.Is(dana.Err, context.DeadlineExceeded) {
		t.Errorf("dana (hung partner): err %v, want an AttendeeError wrapping context.DeadlineExceeded", dana.Err)
	}
	if gil := res.Attendees[1]; gil.Err == nil || errors.Is(gil.Err, context.DeadlineExceeded) {
		t.Errorf("gil (woodgrove answers, without a relationship for contoso): err %v, want woodgrove's own refusal", gil.Err)
	}
}

// slowRelationships takes delay to look up any relationship and then has
// none: the cost of a partner that answers slowly, without the rest of the
// machinery, so the benchmark measures only how partners are scheduled.
type slowRelationships struct{ delay time.Duration }

func (s slowRelationships) RelationshipFor(domain string) (sharing.OrganizationRelationship, error) {
	time.Sleep(s.delay)
	return sharing.OrganizationRelationship{}, fmt.Errorf("slow %s: %w", domain, sharing.ErrNoRelationship)
}

// BenchmarkPartnersInParallel asks ten partners that each take 20 ms, then
// one such partner, alternating within each iteration, and reports the
// ratio of the two (ten/one): 1.0 means the ten cost no more than the
// slowest of them, the goal of the default MaxParallel.
func BenchmarkPartnersInParallel(b *testing.B) {
	k, err := keys()
	if err != nil {
		b.Fatal(err)
	}
	c, err := federation.NewClient(federation.Config{
		ApplicationURI: appURI("contoso.test"), Keys: ring(b, k.contoso), Relationships: slowRelationships{20 * time.Millisecond},
		Broker: federation.TrustBroker{IssuerURI: brokerURI, TokenEndpoint: "https://sts.test/extSTS.srf"},
	})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(2025, 3, 24, 0, 0, 0, 0, time.UTC)
	query := func(partners int) time.Duration {
		var attendees []string
		for i := range partners {
			attendees = append(attendees, fmt.Sprintf("someone@partner%d.test", i))
		}
		t0 := time.Now()
		if _, err := c.Availability(context.Background(), federation.Query{From: "alice@contoso.test", Attendees: attendees, Start: start, End: start.Add(time.Hour)}); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	var ten, one time.Duration
	for b.Loop() {
		ten += query(10)
		one += query(1)
	}
	b.ReportMetric(float64(ten)/float64(one), "ten/one")
}

// With the organization identifier turned off, no partner is asked: every
// attendee with a relationship fails at the token step, before any request.
func TestAvailabilityFederationDisabled(t *testing.T) {
	w := newWorld(t)
	cfg := w.config(t, rel("Fabrikam", "fabrikam.test"))
	cfg.Disabled = true
	c, err := federation.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Availability(t.Context(), federation.Query{From: "alice@contoso.test",
		Attendees: []string{"dana@fabrikam.test", "x@nowhere.test"}, Start: w.week, End: w.week.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var ae *federation.AttendeeError
	if err := res.Attendees[0].Err; !errors.Is(err, federation.ErrFederationDisabled) || !errors.As(err, &ae) || ae.Step != federation.StepToken {
		t.Errorf("dana: %v, want ErrFederationDisabled at the token step", err)
	}
	if err := res.Attendees[1].Err; !errors.Is(err, sharing.ErrNoRelationship) {
		t.Errorf("a domain without a relationship: %v, want ErrNoRelationship still", err)
	}
	if n := w.requests("sts.test /extsts.srf") + w.requests("autodiscover.fabrikam.test /autodiscover/autodiscover.svc"); n != 0 {
		t.Errorf("%d requests went out with federation off", n)
	}
}
