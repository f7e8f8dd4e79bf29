package broker

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/fedavail/fedavail/federation/token"
	"github.com/fedavail/fedavail/internal/pki"
)

// Organization is a registered organization.
type Organization struct {
	// ApplicationURI identifies the organization, e.g.
	// "FYDIBOHF25SPDLT.contoso.com". Tokens for it have the audience
	// token.AudienceURI(ApplicationURI).
	ApplicationURI string `json:"application_uri"`
	// AppID is the application identifier the broker assigned.
	AppID string `json:"app_id"`
	// Domains are the federated domains whose ownership was proven, lower case.
	Domains []string `json:"domains"`
	// Current is the organization certificate (DER): tokens for the
	// organization are encrypted to it, and it signs requests.
	Current []byte `json:"current_certificate"`
	// Next, if set, is the certificate the organization will switch to; it
	// may already sign requests.
	Next []byte `json:"next_certificate,omitempty"`
	// Version is the registration's version in the [Store]: 1 when first
	// written, one more at every change; 0 for one never stored.
	Version int64 `json:"version,omitempty"`
	// Reserved are the domains reserved through ManageDelegation2's
	// ReserveDomain (Exchange reserves the account namespace), with their
	// state; see md2server.go.
	Reserved []Reservation `json:"reserved_domains,omitempty"`
}

// Certificates returns the parsed current and next certificates.
func (o *Organization) Certificates() (current, next *x509.Certificate, err error) {
	if current, err = x509.ParseCertificate(o.Current); err != nil {
		return nil, nil, fmt.Errorf("broker: %s: current certificate: %w", o.ApplicationURI, err)
	}
	if len(o.Next) > 0 {
		if next, err = x509.ParseCertificate(o.Next); err != nil {
			return nil, nil, fmt.Errorf("broker: %s: next certificate: %w", o.ApplicationURI, err)
		}
	}
	return current, next, nil
}

func (o *Organization) hasDomain(d string) bool { return slices.Contains(o.Domains, d) }

func (o *Organization) clone() Organization {
	c := *o
	c.Domains = slices.Clone(o.Domains)
	c.Current = slices.Clone(o.Current)
	c.Next = slices.Clone(o.Next)
	c.Reserved = slices.Clone(o.Reserved)
	return c
}

// Registration is what an organization asks the broker to record.
type Registration struct {
	// ApplicationURI is the organization's application URI.
	ApplicationURI string
	// Domains are the federated domains; each must pass the broker's
	// DomainVerifier.
	Domains []string
	// Current and Next are the organization certificates (Next optional).
	Current, Next *x509.Certificate
	// DomainSignatures are the organization's raw signatures over each
	// domain (dnsproof.Sign with the current and, during a rollover, the
	// next key), keyed by domain: Exchange's DomainOwnershipProofHeader. A
	// broker that holds only certificates needs them to find the proof in
	// DNS ([DNSVerifier]).
	DomainSignatures map[string][][]byte
}

// DomainVerifier checks that an organization owns a domain, typically by
// finding its federated domain proof in DNS ([DNSVerifier]). org is the
// registration being checked, with its AppID and certificates.
type DomainVerifier interface {
	VerifyDomain(ctx context.Context, domain string, org *Organization) error
}

// SignedDomainVerifier is a [DomainVerifier] that also weighs the domain
// signatures an organization presents with its registration
// ([Registration].DomainSignatures). The broker calls
// VerifyDomainSignatures instead of VerifyDomain when its verifier has it;
// signatures are evidence for one request and are never stored.
type SignedDomainVerifier interface {
	DomainVerifier
	VerifyDomainSignatures(ctx context.Context, domain string, org *Organization, signatures [][]byte) error
}

// DomainVerifierFunc adapts a function to [DomainVerifier].
type DomainVerifierFunc func(ctx context.Context, domain string, org *Organization) error

// VerifyDomain calls f.
func (f DomainVerifierFunc) VerifyDomain(ctx context.Context, domain string, org *Organization) error {
	return f(ctx, domain, org)
}

// Errors of the registration API.
var (
	ErrExists       = errors.New("broker: application URI already registered")
	ErrNotFound     = errors.New("broker: no such registration")
	ErrDomainTaken  = errors.New("broker: domain is registered to another organization")
	ErrInvalid      = errors.New("broker: invalid registration")
	ErrNotPermitted = errors.New("broker: not permitted")
	// ErrDomainNotProven is matched by every *DomainError.
	ErrDomainNotProven = errors.New("broker: domain ownership not proven")
)

// DomainError is returned when a domain's ownership proof fails.
type DomainError struct {
	Domain string
	Err    error
}

func (e *DomainError) Error() string {
	return fmt.Sprintf("broker: domain %s: ownership not proven (publish its federated domain proof in DNS and retry): %v", e.Domain, e.Err)
}

func (e *DomainError) Unwrap() error { return e.Err }

// Is lets errors.Is(err, ErrDomainNotProven) match.
func (e *DomainError) Is(target error) bool { return target == ErrDomainNotProven }

// orgIndex is an immutable view of the registrations for the request path.
type orgIndex struct {
	orgs     []Organization
	bySKI    map[string]int // hex SKI of current and next → orgs index
	byTarget map[string]int // application URI and its audience form → index
	current  []*x509.Certificate
}

func buildIndex(orgs []Organization) (*orgIndex, error) {
	ix := &orgIndex{orgs: orgs, bySKI: map[string]int{}, byTarget: map[string]int{}, current: make([]*x509.Certificate, len(orgs))}
	for i := range orgs {
		cur, next, err := orgs[i].Certificates()
		if err != nil {
			return nil, err
		}
		ix.current[i] = cur
		for _, c := range []*x509.Certificate{cur, next} {
			if c == nil {
				continue
			}
			k := hex.EncodeToString(pki.SKI(c))
			if j, dup := ix.bySKI[k]; dup && j != i {
				return nil, fmt.Errorf("%w: %s and %s share a certificate", ErrInvalid, orgs[j].ApplicationURI, orgs[i].ApplicationURI)
			}
			ix.bySKI[k] = i
		}
		ix.byTarget[strings.ToLower(orgs[i].ApplicationURI)] = i
		ix.byTarget[strings.ToLower(token.AudienceURI(orgs[i].ApplicationURI))] = i
	}
	return ix, nil
}

// bySKIOrg returns the organization owning the certificate with this SKI.
func (ix *orgIndex) bySKIOrg(ski []byte) (*Organization, *x509.Certificate) {
	i, ok := ix.bySKI[hex.EncodeToString(ski)]
	if !ok {
		return nil, nil
	}
	o := &ix.orgs[i]
	cur, next, _ := o.Certificates()
	for _, c := range []*x509.Certificate{cur, next} {
		if c != nil && bytes.Equal(pki.SKI(c), ski) {
			return o, c
		}
	}
	return nil, nil
}

func (ix *orgIndex) target(appliesTo string) (*Organization, *x509.Certificate) {
	i, ok := ix.byTarget[strings.ToLower(strings.TrimSpace(appliesTo))]
	if !ok {
		return nil, nil
	}
	return &ix.orgs[i], ix.current[i]
}

// validate checks a registration's shape and normalizes its domains.
func (r *Registration) validate() error {
	r.ApplicationURI = strings.TrimSpace(r.ApplicationURI)
	if r.ApplicationURI == "" || strings.ContainsAny(r.ApplicationURI, " \t\r\n<>\"") {
		return fmt.Errorf("%w: application URI %q", ErrInvalid, r.ApplicationURI)
	}
	if r.Current == nil {
		return fmt.Errorf("%w: no current certificate", ErrInvalid)
	}
	for _, c := range []*x509.Certificate{r.Current, r.Next} {
		if c != nil && pki.SKI(c) == nil {
			return fmt.Errorf("%w: certificate without a usable key", ErrInvalid)
		}
	}
	if len(r.Domains) == 0 {
		return fmt.Errorf("%w: no federated domain", ErrInvalid)
	}
	seen := map[string]bool{}
	var ds []string
	for _, d := range r.Domains {
		d = normalizeDomain(d)
		if err := validDomain(d); err != nil {
			return err
		}
		if !seen[d] {
			seen[d] = true
			ds = append(ds, d)
		}
	}
	r.Domains = ds
	return nil
}

// normalizeDomain is the form domains are stored and compared in.
func normalizeDomain(d string) string {
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(d), "."))
}

// newAppID returns 16 upper-case hexadecimal digits, the shape of the
// Federation Gateway's application identifiers.
func newAppID(r io.Reader) (string, error) {
	var b [8]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", err
	}
	return strings.ToUpper(hex.EncodeToString(b[:])), nil
}
