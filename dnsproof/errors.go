package dnsproof

import (
	"errors"
	"fmt"
	"strings"
)

// Outcomes of a failed verification. A *VerifyError matches exactly one of
// them with errors.Is, so callers can tell the administrator what to fix.
var (
	// ErrNoSuchDomain: the name does not exist in DNS (NXDOMAIN). Usually a
	// typing mistake in the domain, or a zone not yet delegated.
	ErrNoSuchDomain = errors.New("dnsproof: no such domain")
	// ErrNoTXTRecord: the name exists but has no TXT record. The record has
	// not been published yet, or not at the zone's apex.
	ErrNoTXTRecord = errors.New("dnsproof: no TXT record")
	// ErrMismatch: TXT records exist but none carries the expected proof or
	// AppID. Often a proof made with another certificate (check the slot),
	// or an old record after a certificate rollover.
	ErrMismatch = errors.New("dnsproof: TXT record present but not matching")
	// ErrDNSFailure: DNS did not answer usefully (SERVFAIL, timeout,
	// network error); trying again later may help.
	ErrDNSFailure = errors.New("dnsproof: DNS failure")
	// ErrNothingExpected: the verifier was given nothing to compare the
	// records with (no AppID, no proof, no valid signature).
	ErrNothingExpected = errors.New("dnsproof: nothing to verify against")
)

// VerifyError is the error of a verification that did not succeed.
type VerifyError struct {
	// Domain is the domain that was checked (normalized).
	Domain string
	// Kind is one of ErrNoSuchDomain, ErrNoTXTRecord, ErrMismatch, ErrDNSFailure.
	Kind error
	// Found holds the TXT records found, for ErrMismatch, so an administrator
	// can see what is published instead.
	Found []string
	// Err is the resolver's error, if any.
	Err error
}

func (e *VerifyError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v for %s", e.Kind, e.Domain)
	if len(e.Found) > 0 {
		q := make([]string, len(e.Found))
		for i, f := range e.Found {
			if len(f) > 120 {
				f = f[:120] + "…"
			}
			q[i] = fmt.Sprintf("%q", f)
		}
		fmt.Fprintf(&b, " (found %s)", strings.Join(q, ", "))
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Is reports whether target is e's Kind.
func (e *VerifyError) Is(target error) bool { return target == e.Kind }

// Unwrap returns the resolver's error.
func (e *VerifyError) Unwrap() error { return e.Err }

// ErrBadSignature is matched by every *SignatureError.
var ErrBadSignature = errors.New("dnsproof: domain signature does not verify")

// SignatureError is returned when a presented domain signature was not made
// by the certificate's key for the domain.
type SignatureError struct {
	Domain     string
	Thumbprint string // of the certificate the signature was checked against; "" for several
}

func (e *SignatureError) Error() string {
	if e.Thumbprint == "" {
		return fmt.Sprintf("dnsproof: the signature for %s was not made by any of the organization's certificates", e.Domain)
	}
	return fmt.Sprintf("dnsproof: the signature for %s was not made by certificate %s", e.Domain, e.Thumbprint)
}

// Is lets errors.Is(err, ErrBadSignature) match.
func (e *SignatureError) Is(target error) bool { return target == ErrBadSignature }
