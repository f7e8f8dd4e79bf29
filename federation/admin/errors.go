package admin

import (
	"errors"
	"strings"
)

// Kinds of failure. Every error an [Org] method returns is an [*Error]
// matching exactly one of them with errors.Is, so a program can react and
// the command can print the one-line message as it is.
var (
	// ErrNoCertificate: there is no organization certificate yet.
	ErrNoCertificate = errors.New("admin: no organization certificate")
	// ErrCertificateExists: NewCertificate when one is already current.
	ErrCertificateExists = errors.New("admin: organization certificate already exists")
	// ErrWrongKey: a key does not belong to its certificate, or the broker
	// refused a request signed with it.
	ErrWrongKey = errors.New("admin: wrong key")
	// ErrNotTrusted: the operation needs a federation trust.
	ErrNotTrusted = errors.New("admin: no federation trust")
	// ErrAlreadyTrusted: Trust when a trust exists.
	ErrAlreadyTrusted = errors.New("admin: federation trust already exists")
	// ErrProofMissing: a domain's proof is not (yet) in DNS.
	ErrProofMissing = errors.New("admin: domain proof not found in DNS")
	// ErrUnknownDomain: a domain that is not federated, or not a domain.
	ErrUnknownDomain = errors.New("admin: unknown domain")
	// ErrDomainExists: AddDomain of a federated domain.
	ErrDomainExists = errors.New("admin: domain already federated")
	// ErrRelationshipExists: a relationship with that name or domain exists.
	ErrRelationshipExists = errors.New("admin: organization relationship already exists")
	// ErrNoRelationship: no relationship with that name.
	ErrNoRelationship = errors.New("admin: no such organization relationship")
	// ErrInvalid: the input or a configuration file is not valid.
	ErrInvalid = errors.New("admin: invalid input")
	// ErrStorage: a file of the state directory could not be read or written.
	ErrStorage = errors.New("admin: state directory not usable")
	// ErrBrokerUnreachable: the trust broker did not answer.
	ErrBrokerUnreachable = errors.New("admin: trust broker unreachable")
	// ErrRefused: the trust broker refused the request.
	ErrRefused = errors.New("admin: trust broker refused the request")
	// ErrDefederating: a de-federation was started and must be finished.
	ErrDefederating = errors.New("admin: de-federation in progress")
)

// Error is the failure of an administrative operation. Its message is one
// line: what happened, then what to do.
type Error struct {
	// Kind is one of the Err… sentinels of this package.
	Kind error
	// What says what happened, e.g. "TXT record for contoso.com not found yet".
	What string
	// Fix says what to do, e.g. "publish … and retry".
	Fix string
	// Err is the underlying error, if any.
	Err error

	quiet bool // What says all Err would; keep the line short
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("admin: ")
	b.WriteString(e.What)
	if e.Err != nil && !e.quiet {
		b.WriteString(" (" + e.Err.Error() + ")")
	}
	if e.Fix != "" {
		b.WriteString(": " + e.Fix)
	}
	// One line, whatever the underlying errors (errors.Join) look like.
	return strings.Join(strings.Fields(b.String()), " ")
}

// Is reports whether target is e's Kind.
func (e *Error) Is(target error) bool { return target == e.Kind }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

func fail(kind error, err error, what, fix string) *Error {
	return &Error{Kind: kind, What: what, Fix: fix, Err: err}
}

// failQuiet is fail for an underlying error that What already says in the
// administrator's words; Err is kept for errors.Is and errors.As.
func failQuiet(kind error, err error, what, fix string) *Error {
	return &Error{Kind: kind, What: what, Fix: fix, Err: err, quiet: true}
}
