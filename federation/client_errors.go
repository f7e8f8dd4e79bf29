package federation

import (
	"errors"
	"fmt"
	"strings"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/autodiscover"
	"github.com/fedavail/fedavail/ews"
)

// Step names the stage of [Client.Availability] at which asking about an
// attendee failed.
type Step string

// Steps, in the order they are taken for each partner.
const (
	// StepAddress: the attendee's address has no domain.
	StepAddress Step = "address"
	// StepRelationship: no usable organization relationship for the domain.
	StepRelationship Step = "relationship"
	// StepDiscovery: the partner's federation information or EWS URL could
	// not be found (Autodiscover).
	StepDiscovery Step = "discovery"
	// StepToken: the trust broker gave no delegation token.
	StepToken Step = "token"
	// StepAvailability: the partner's EWS answered with an error, for the
	// whole request or for this mailbox.
	StepAvailability Step = "availability"
)

// Sentinels matched (errors.Is) by [*AttendeeError] and the errors it wraps.
// sharing.ErrNoRelationship matches too, when there is no relationship.
var (
	// ErrNotFederated: the partner's Autodiscover says its domain is not
	// federated (NotFederated or InvalidDomain).
	ErrNotFederated = errors.New("federation: partner domain is not federated")
	// ErrUntrustedBroker: the partner does not accept tokens from this
	// organization's trust broker (Exchange's EnforceCommonTokenIssuer).
	ErrUntrustedBroker = errors.New("federation: partner does not accept tokens from this organization's trust broker")
	// ErrRefused: the partner refused the request (HTTP 401 or 403, which
	// is how Exchange rejects a delegation token, often for lack of an
	// organization relationship on its side), or refused free/busy for the
	// mailbox (ErrorNoFreeBusyAccess).
	ErrRefused = errors.New("federation: partner refused the request")
	// ErrBrokerRefused: the trust broker refused to issue the delegation
	// token (a SOAP Sender fault): this organization or the partner is not
	// registered with it, the user's domain is not a verified domain of this
	// organization, or the request's signature was not accepted. Retrying
	// does not help; fedcheck trust says which.
	ErrBrokerRefused = errors.New("federation: the trust broker refused to issue a token")
	// ErrFederationDisabled: the organization's federation is turned off
	// (Config.Disabled, as Exchange's FederatedOrganizationIdNotEnabled).
	ErrFederationDisabled = errors.New("federation: this organization's federation is turned off")
)

// AttendeeError is why no availability came back for one attendee. It is
// returned in [Attendee].Err next to the other attendees' results.
type AttendeeError struct {
	// Attendee is the address asked about.
	Attendee string
	// Domain is the attendee's domain.
	Domain string
	// Step is where it failed.
	Step Step
	// Err is the cause: *sharing.RelationshipError, *autodiscover.Error,
	// *autodiscover.DiscoveryError, *UntrustedBrokerError, *fedavail.Fault,
	// *fedavail.HTTPError, *ews.MailboxError, a transport error…
	Err error
}

func (e *AttendeeError) Error() string {
	return fmt.Sprintf("federation: %s: %s: %v", e.Attendee, e.Step, e.Err)
}

// Unwrap returns the cause.
func (e *AttendeeError) Unwrap() error { return e.Err }

// Is matches ErrNotFederated, ErrRefused and ErrBrokerRefused by the cause;
// ErrUntrustedBroker and sharing.ErrNoRelationship match through Unwrap.
func (e *AttendeeError) Is(target error) bool {
	switch target {
	case ErrNotFederated:
		return e.Step == StepDiscovery && (errors.Is(e.Err, autodiscover.ErrNotFederated) || errors.Is(e.Err, autodiscover.ErrInvalidDomain))
	case ErrRefused:
		if e.Step != StepDiscovery && e.Step != StepAvailability {
			return false // a broker's 401 is not the partner's refusal
		}
		var me *ews.MailboxError
		return errors.Is(e.Err, fedavail.ErrUnauthorized) || errors.Is(e.Err, fedavail.ErrForbidden) ||
			(errors.As(e.Err, &me) && me.ResponseCode == ews.ErrorNoFreeBusyAccess)
	case ErrBrokerRefused:
		var f *fedavail.Fault
		return e.Step == StepToken && errors.As(e.Err, &f) && (f.Code == "Sender" || f.Code == "Client")
	}
	return false
}

// UntrustedBrokerError is returned when a partner's federation information
// does not list this organization's trust broker among the token issuers it
// accepts: a token from it would be refused.
type UntrustedBrokerError struct {
	// Domain is the partner's domain.
	Domain string
	// Broker is this organization's broker's issuer URI.
	Broker string
	// Accepted are the issuer URIs the partner accepts.
	Accepted []string
}

func (e *UntrustedBrokerError) Error() string {
	return fmt.Sprintf("federation: %s accepts tokens from [%s], not from %s", e.Domain, strings.Join(e.Accepted, ", "), e.Broker)
}

// Is makes errors.Is(err, ErrUntrustedBroker) true.
func (e *UntrustedBrokerError) Is(target error) bool { return target == ErrUntrustedBroker }
