package faults

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/internal/testorg"
)

// TestHangingPartnerDoesNotBlockHealthyOne asks two partners at once under
// one deadline, as a requesting organization does for a meeting with
// attendees in both: the healthy partner (a real answering organization)
// answers in full, the hanging one ends with the deadline.
func TestHangingPartnerDoesNotBlockHealthyOne(t *testing.T) {
	keys, err := testorg.NewKeys()
	if err != nil {
		t.Fatal(err)
	}
	org, err := testorg.New(testorg.Config{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	healthy, err := mustCA(t).NewTLSServer(org.Handler)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(healthy.Close)
	hanging := hangHTTP(t)

	user := "frank@" + testorg.AvailabilityPartner
	tok, err := org.Broker.Mint(testorg.Claims(user, fedavail.OfferFreeBusy), keys.Contoso.Cert)
	if err != nil {
		t.Fatal(err)
	}
	genuine := fedavail.TokenSourceFunc(func(context.Context, fedavail.TokenRequest) (*fedavail.Token, error) {
		return &fedavail.Token{EncryptedData: tok}, nil
	})

	// Generous for the healthy partner on a loaded machine; the hanging
	// one is ended by it.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	hc := mustCA(t).HTTPClient(nil)
	var (
		wg                  sync.WaitGroup
		result              *ews.AvailabilityResult
		healthyErr, hungErr error
		healthyFirst        bool
	)
	answered := make(chan struct{})
	wg.Go(func() {
		defer close(answered)
		result, healthyErr = ewsClient(hc, healthy.URL, genuine).GetUserAvailability(ctx, dayRequest(testorg.Alice))
	})
	wg.Go(func() {
		_, hungErr = ewsClient(hc, hanging, staticToken).GetUserAvailability(ctx, dayRequest(testorg.Alice))
		select {
		case <-answered:
			healthyFirst = true
		default:
		}
	})
	wg.Wait()
	if !healthyFirst {
		t.Error("the healthy partner's answer came only after the hanging partner's call ended")
	}

	if healthyErr != nil {
		t.Fatalf("healthy partner: %v", healthyErr)
	}
	if len(result.Mailboxes) != 1 || result.Mailboxes[0].Err != nil || result.Mailboxes[0].View != ews.ViewFreeBusy {
		t.Errorf("healthy partner's answer: %+v, want alice's FreeBusy view", result.Mailboxes)
	}
	if !errors.Is(hungErr, context.DeadlineExceeded) {
		t.Errorf("hanging partner: %v, want context.DeadlineExceeded", hungErr)
	}
}
