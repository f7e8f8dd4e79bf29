package diag

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/federation/token"
	"github.com/fedavail/fedavail/federation/wstrust"
)

// tokenProblem explains a broker's refusal to issue a token for audience.
// The broker's SOAP fault says why in its reason; the reasons recognized
// here are those of fedavail's embedded broker (package broker, which uses
// wstrust's rejection reasons) and the WS-Trust subcodes every broker sends.
func tokenProblem(endpoint, audience string, err error) problem {
	var f *fedavail.Fault
	if !errors.As(err, &f) {
		return reachProblem("the trust broker", endpoint, err)
	}
	p := problem{detail: "the broker refused: " + firstNonEmpty(f.Reason, f.Code)}
	reason := strings.ToLower(f.Reason)
	switch {
	case strings.Contains(reason, wstrust.ReasonUnknownKey.String()):
		p.cause = "the broker does not know this organization's certificate: the organization is not registered, or registered with another certificate"
		p.fix = "register the organization and its current certificate with the broker (fedadmin register, or fedadmin update after a rollover)"
	case strings.Contains(reason, "applies"):
		p.cause = fmt.Sprintf("the broker has no organization registered under the application URI %s", audience)
		p.fix = "check the application URI; an organization must be registered with the same broker to receive tokens"
	case strings.Contains(reason, "domain"):
		p.cause = "the requesting user's domain is not a verified domain of this organization at the broker"
		p.fix = "add the domain to the federation trust and publish its proof in DNS (fedadmin domain add; fedcheck domain DOMAIN)"
	case strings.Contains(reason, wstrust.ReasonExpired.String()):
		p.cause = "the broker thinks the request's timestamp is not current: this machine's clock is probably wrong"
		p.fix = "synchronize the system clock (NTP)"
	case slices.Contains(f.Subcodes, "FailedAuthentication"):
		p.cause = "the broker did not accept this organization's signature"
		p.fix = "check that the organization certificate registered with the broker is the one configured here"
	case f.IsReceiver():
		p.cause = "the broker failed while issuing the token"
		p.fix = "try again later; if it persists, tell the broker's operator"
	default:
		p.cause = "the broker refused the request"
		p.fix = "read the broker's reason above"
	}
	return p
}

// validationProblem explains why a token the broker issued to this
// organization did not validate with its own key and the broker's metadata.
func validationProblem(err error) problem {
	var ve *token.ValidationError
	if !errors.As(err, &ve) {
		return problem{detail: err.Error(), cause: "the validator could not be set up", fix: "check the organization's configuration"}
	}
	p := problem{detail: ve.Detail()}
	switch ve.Reason {
	case token.InvalidUnknownEncryption:
		p.cause = "the broker encrypted the token to a certificate this organization has no key for: the broker holds an old organization certificate"
		p.fix = "register the current certificate with the broker (fedadmin update)"
	case token.InvalidTokenFailedValidation, token.InvalidTrustBroker:
		p.cause = "the token is not signed by a certificate the broker's metadata publishes, or by another issuer"
		p.fix = "check that the metadata URL and the token endpoint belong to the same broker"
	case token.InvalidTarget:
		p.cause = "the token's audience is not this organization's application URI"
		p.fix = "check the application URI in the configuration against the broker's registration"
	case token.InvalidExpired:
		p.cause = "the token is outside its lifetime: the clocks of this machine and the broker disagree"
		p.fix = "synchronize the system clock (NTP)"
	default:
		p.cause = "the token the broker issued is not one a partner would accept (" + ve.Reason.String() + ")"
		p.fix = "tell the broker's operator; partners will refuse these tokens too"
	}
	return p
}
