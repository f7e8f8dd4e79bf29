package fedavail

import (
	"context"
	"time"
)

// Offer names what a delegation token may be used for. The trust broker writes
// it into the token's action claim; the receiver checks it against the
// operation being called and enforces the offer's maximum age.
type Offer string

// Offers used by Exchange federation.
const (
	OfferFreeBusy       Offer = "MSExchange.SharingCalendarFreeBusy" // GetUserAvailability
	OfferAutodiscover   Offer = "MSExchange.Autodiscover"            // GetUserSettings, GetDomainSettings
	OfferMailTips       Offer = "MSExchange.MailTips"
	OfferSharingInvite  Offer = "MSExchange.SharingInviteMessage"
	OfferSharingRead    Offer = "MSExchange.SharingRead"
	OfferMailboxMove    Offer = "MSExchange.MailboxMove"
	OfferXropLogon      Offer = "MSExchange.XropLogon"
	OfferMailboxSearch  Offer = "MSExchange.MailboxSearch"
	OfferPhotoRetrieval Offer = "MSExchange.UserPhotoRetrieval"
)

var offerMaxAge = map[Offer]time.Duration{
	OfferFreeBusy:       5 * time.Minute,
	OfferAutodiscover:   8 * time.Hour,
	OfferMailTips:       5 * time.Minute,
	OfferSharingInvite:  15 * 24 * time.Hour,
	OfferSharingRead:    time.Hour,
	OfferMailboxMove:    time.Hour,
	OfferXropLogon:      8 * time.Hour,
	OfferMailboxSearch:  8 * time.Hour,
	OfferPhotoRetrieval: 10 * time.Minute,
}

// MaxAge is how long after issue a receiver accepts a token for this offer, or
// zero for an offer Exchange does not know.
func (o Offer) MaxAge() time.Duration { return offerMaxAge[o] }

// Known reports whether o is one of the offers Exchange defines.
func (o Offer) Known() bool { _, ok := offerMaxAge[o]; return ok }

// TokenRequest says on whose behalf, for which partner and for what a
// delegation token is wanted. It is comparable and serves as a cache key.
type TokenRequest struct {
	// Requester is the SMTP address of the user on whose behalf the token is asked.
	Requester string
	// Audience is the partner's application URI as its federation information
	// publishes it (for example "FYDIBOHF25SPDLT.fabrikam.com" or "outlook.com").
	Audience string
	// Offer is what the token will be used for.
	Offer Offer
}

// Token is a delegation token as the trust broker issued it.
type Token struct {
	// EncryptedData is the xenc:EncryptedData element of the broker's answer,
	// byte for byte. It is opaque to the requester (only the partner can
	// decrypt it) and is sent as the only child of the wsse:Security header.
	EncryptedData []byte
	// ProofKey is the symmetric proof key the broker returned, if any.
	ProofKey []byte
	// AssertionID is the ID of the encrypted SAML assertion.
	AssertionID string
	// Created and Expires are the lifetime the broker stated.
	Created, Expires time.Time
}

// TokenSource supplies delegation tokens. Implementations must be safe for
// concurrent use; callers must not modify the returned Token.
type TokenSource interface {
	Token(ctx context.Context, req TokenRequest) (*Token, error)
}

// TokenSourceFunc adapts a function to [TokenSource].
type TokenSourceFunc func(ctx context.Context, req TokenRequest) (*Token, error)

// Token calls f.
func (f TokenSourceFunc) Token(ctx context.Context, req TokenRequest) (*Token, error) {
	return f(ctx, req)
}

// TokenValidator checks an incoming delegation token. The answering side's
// handlers (package ews, package autodiscover) call it for requests on their
// /WSSecurity endpoints; package federation implements it.
type TokenValidator interface {
	// ValidateToken decrypts and verifies encryptedData (the xenc:EncryptedData
	// element of the request's wsse:Security header, standalone) for an
	// operation that needs offer, and returns who the request is from.
	// Errors must not reveal why validation failed (handlers answer HTTP 401);
	// the reason may be kept in the error for the server's log.
	// encryptedData is the caller's buffer, reused for other requests once
	// ValidateToken returns: it must not be modified, and neither it nor a
	// slice of it may be kept (in a cache, the Requester or an error)
	// after the call.
	ValidateToken(ctx context.Context, encryptedData []byte, offer Offer) (*Requester, error)
}
