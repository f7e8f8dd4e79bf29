package testorg

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/autodiscover"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/federation/token"
	"github.com/fedavail/fedavail/fedtest"
)

// Broker mints delegation tokens as the trusted trust broker does.
type Broker struct {
	issuer *token.Issuer
}

// NewBroker returns a broker signing with pair, at the clock's time.
func NewBroker(pair *fedtest.KeyPair, clock *Clock) (*Broker, error) {
	ring, err := keyring.New(keyring.Pair{Cert: pair.Cert, Key: pair.Key})
	if err != nil {
		return nil, fmt.Errorf("testorg: broker: %w", err)
	}
	return &Broker{issuer: &token.Issuer{URI: BrokerURI, Keys: ring, Now: clock.Now}}, nil
}

// Claims returns the claims of a genuine token for user (an SMTP address)
// asking contoso for offer.
func Claims(user string, offer fedavail.Offer) token.Claims {
	return token.Claims{
		Audience:            ApplicationURI,
		NameID:              "nameid-" + strings.ReplaceAll(user, "@", ".") + "@testorg.example",
		NameIDFormat:        token.NameIDFormatUPN,
		EmailAddress:        user,
		RequestorDomain:     fedavail.AddressDomain(user),
		Offer:               offer,
		ThirdPartyRequested: true,
	}
}

// Mint issues a token with claims c encrypted to recipient and returns its
// xenc:EncryptedData element.
func (b *Broker) Mint(c token.Claims, recipient *x509.Certificate) ([]byte, error) {
	t, err := b.issuer.Issue(c, recipient)
	if err != nil {
		return nil, fmt.Errorf("testorg: mint: %w", err)
	}
	return t.EncryptedData, nil
}

// Sign returns the signed, unencrypted assertion of claims c, for tests
// that tamper with it before sealing it themselves.
func (b *Broker) Sign(c token.Claims) ([]byte, error) {
	return b.issuer.Sign(c)
}

// Recorder is the organization's token validator. It wraps a
// token.Validator and remembers why each refused token was refused, since
// the handlers deliberately say nothing about it.
type Recorder struct {
	v       *token.Validator
	mu      sync.Mutex
	reasons []token.Reason
}

// ValidateToken implements fedavail.TokenValidator.
func (r *Recorder) ValidateToken(ctx context.Context, data []byte, offer fedavail.Offer) (*fedavail.Requester, error) {
	req, err := r.v.ValidateToken(ctx, data, offer)
	if err != nil {
		var ve *token.ValidationError
		reason := token.Reason(0)
		if errors.As(err, &ve) {
			reason = ve.Reason
		}
		r.mu.Lock()
		r.reasons = append(r.reasons, reason)
		r.mu.Unlock()
	}
	return req, err
}

// Reasons returns the reasons of the refusals so far, in order; 0 stands
// for an error that was not a *token.ValidationError.
func (r *Recorder) Reasons() []token.Reason {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]token.Reason(nil), r.reasons...)
}

// directory answers Autodiscover for contoso's mailboxes: the EWS URL only,
// for any requester the handler authenticated.
type directory struct{}

// EWSURL is the ExternalEwsUrl the directory gives every mailbox.
const EWSURL = "https://mail.contoso.example/EWS/Exchange.asmx"

func (directory) LookupUser(_ context.Context, _ *fedavail.Requester, mailbox string) (*autodiscover.User, error) {
	for _, mb := range Mailboxes {
		if strings.EqualFold(mb, mailbox) {
			return &autodiscover.User{Settings: autodiscover.Settings{
				{Name: autodiscover.ExternalEwsURL, Value: EWSURL},
				{Name: autodiscover.UserDisplayName, Value: "DisplayName-" + mb},
			}}, nil
		}
	}
	return nil, fmt.Errorf("%w: %s", autodiscover.ErrUnknownUser, mailbox)
}

func (directory) LookupDomain(_ context.Context, _ *fedavail.Requester, domain string) (autodiscover.Settings, error) {
	if !strings.EqualFold(domain, Domain) {
		return nil, fmt.Errorf("%w: %s", autodiscover.ErrUnknownDomain, domain)
	}
	return autodiscover.Settings{{Name: autodiscover.ExternalEwsURL, Value: EWSURL}}, nil
}
