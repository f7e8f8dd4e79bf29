package wstrust

import "fmt"

// Reason says why [Verifier.Verify] rejected a request.
type Reason string

// Reasons for rejecting a request.
const (
	ReasonMalformed    Reason = "malformed request"
	ReasonUnsigned     Reason = "request is not signed"
	ReasonUnknownKey   Reason = "signing key is not registered"
	ReasonBadSignature Reason = "signature does not verify"
	ReasonNotCovered   Reason = "signature does not cover wsa:To and wsu:Timestamp"
	ReasonWrapping     Reason = "ambiguous signed content"
	ReasonExpired      Reason = "timestamp is not current"
	ReasonWrongTo      Reason = "request is addressed to another endpoint"
	ReasonAssertion    Reason = "on-behalf-of assertion rejected"
)

// VerifyError is returned for an incoming request that fails verification.
// Its Reason can be shown to the requester (a trust broker puts it into the
// Sender fault); Detail and Err are for the server's log.
type VerifyError struct {
	Reason Reason
	Detail string
	Err    error
}

func (e *VerifyError) Error() string {
	msg := "wstrust: " + string(e.Reason)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *VerifyError) Unwrap() error { return e.Err }

func reject(r Reason, format string, args ...any) *VerifyError {
	return &VerifyError{Reason: r, Detail: fmt.Sprintf(format, args...)}
}
