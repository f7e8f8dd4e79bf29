package wstrust

import "fmt"

// Reason says why [Verifier.Verify] rejected a request. It is typed as
// token.Reason is: a number whose String is the text a trust broker may show
// the requester.
type Reason int

// Reasons for rejecting a request.
const (
	// ReasonMalformed: the request is not a well-formed WS-Trust Issue
	// request (including oversize input and DTDs).
	ReasonMalformed Reason = iota + 1
	// ReasonUnsigned: there is no WS-Security signature.
	ReasonUnsigned
	// ReasonUnknownKey: the signing certificate is not registered.
	ReasonUnknownKey
	// ReasonBadSignature: the signature does not verify.
	ReasonBadSignature
	// ReasonNotCovered: the signature does not cover wsa:To and wsu:Timestamp.
	ReasonNotCovered
	// ReasonWrapping: signed content is ambiguous (signature wrapping).
	ReasonWrapping
	// ReasonExpired: the timestamp is not current.
	ReasonExpired
	// ReasonWrongTo: the request is addressed to another endpoint.
	ReasonWrongTo
	// ReasonAssertion: the on-behalf-of assertion is rejected.
	ReasonAssertion
)

var reasonText = [...]string{
	ReasonMalformed:    "malformed request",
	ReasonUnsigned:     "request is not signed",
	ReasonUnknownKey:   "signing key is not registered",
	ReasonBadSignature: "signature does not verify",
	ReasonNotCovered:   "signature does not cover wsa:To and wsu:Timestamp",
	ReasonWrapping:     "ambiguous signed content",
	ReasonExpired:      "timestamp is not current",
	ReasonWrongTo:      "request is addressed to another endpoint",
	ReasonAssertion:    "on-behalf-of assertion rejected",
}

// String returns the reason in words, as a trust broker puts it into its
// Sender fault.
func (r Reason) String() string {
	if r > 0 && int(r) < len(reasonText) {
		return reasonText[r]
	}
	return fmt.Sprintf("Reason(%d)", int(r))
}

// VerifyError is returned for an incoming request that fails verification.
// It has the shape of token.ValidationError: its Reason can be shown to the
// requester (a trust broker puts it into the Sender fault); Err, reached
// through Unwrap and [VerifyError.Detail] (which fedavail.ErrorDetail finds),
// is for the server's log.
type VerifyError struct {
	Reason Reason
	// Err says what exactly was wrong; it never holds key material.
	Err error
}

func (e *VerifyError) Error() string {
	if e.Err == nil {
		return "wstrust: " + e.Reason.String()
	}
	return "wstrust: " + e.Reason.String() + ": " + e.Err.Error()
}

// Unwrap returns Err.
func (e *VerifyError) Unwrap() error { return e.Err }

// Detail returns the reason and cause for a log line, for example
// "timestamp is not current: expired 2025-02-21T04:50:27Z".
func (e *VerifyError) Detail() string {
	if e.Err == nil {
		return e.Reason.String()
	}
	return e.Reason.String() + ": " + e.Err.Error()
}

func reject(r Reason, format string, args ...any) *VerifyError {
	return &VerifyError{Reason: r, Err: fmt.Errorf(format, args...)}
}
