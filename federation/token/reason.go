package token

import "fmt"

// Reason says why a token was refused. The names are those of Exchange's
// token validation results, so server logs read the same on both.
type Reason int

// Reasons a [Validator] refuses a token.
const (
	// InvalidTokenFormat: the input is not a well-formed encrypted SAML 1.1
	// assertion of the expected shape (including oversize input and
	// structures used for signature wrapping).
	InvalidTokenFormat Reason = iota + 1
	// InvalidUnknownEncryption: the token is not encrypted to one of the
	// organization's certificates, or does not decrypt.
	InvalidUnknownEncryption
	// InvalidTokenFailedValidation: the signature is missing or does not verify.
	InvalidTokenFailedValidation
	// InvalidTrustBroker: the token is not signed by, or not issued by, the
	// trusted trust broker.
	InvalidTrustBroker
	// InvalidTarget: the token's audience is not this organization.
	InvalidTarget
	// InvalidOffer: the action claim is missing, unknown or not the offer the
	// operation needs.
	InvalidOffer
	// InvalidExpired: the token is outside its lifetime, or older than its
	// offer's maximum age.
	InvalidExpired
	// InvalidUnknownEmailAddress: the EmailAddress claim is missing or not an
	// SMTP address.
	InvalidUnknownEmailAddress
	// InvalidUnknownExternalIdentity: the name identifier is missing.
	InvalidUnknownExternalIdentity
)

var reasonNames = [...]string{
	InvalidTokenFormat:             "InvalidTokenFormat",
	InvalidUnknownEncryption:       "InvalidUnknownEncryption",
	InvalidTokenFailedValidation:   "InvalidTokenFailedValidation",
	InvalidTrustBroker:             "InvalidTrustBroker",
	InvalidTarget:                  "InvalidTarget",
	InvalidOffer:                   "InvalidOffer",
	InvalidExpired:                 "InvalidExpired",
	InvalidUnknownEmailAddress:     "InvalidUnknownEmailAddress",
	InvalidUnknownExternalIdentity: "InvalidUnknownExternalIdentity",
}

// String returns Exchange's name of the reason.
func (r Reason) String() string {
	if r > 0 && int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return fmt.Sprintf("Reason(%d)", int(r))
}

// ValidationError is returned for a refused token. Its Error method is
// deliberately vague, so an error that reaches a client (or an attacker
// probing the validator) does not say which check failed; Reason and Err keep
// the detail for the server's log.
type ValidationError struct {
	Reason Reason
	// Err is the underlying cause. It never holds key material or the token.
	Err error
}

// Error returns "token: token validation failed", whatever the reason.
func (e *ValidationError) Error() string { return "token: token validation failed" }

// Unwrap returns Err.
func (e *ValidationError) Unwrap() error { return e.Err }

// Detail returns the reason and cause for a log line, for example
// "InvalidExpired: token expired at 2025-02-21T04:50:27Z".
func (e *ValidationError) Detail() string {
	if e.Err == nil {
		return e.Reason.String()
	}
	return e.Reason.String() + ": " + e.Err.Error()
}

func fail(r Reason, format string, args ...any) *ValidationError {
	return &ValidationError{Reason: r, Err: fmt.Errorf("token: "+format, args...)}
}

func failErr(r Reason, err error) *ValidationError {
	return &ValidationError{Reason: r, Err: err}
}
