package federation_test

import (
	"context"
	"errors"
	"fmt"
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
		{maxParallel: 0, partners: 11, wantAtOnce: 8}, // the default
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
