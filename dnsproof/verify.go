package dnsproof

import (
	"context"
	"crypto/x509"
	"errors"
	"log/slog"
	"net"
)

// Verifier checks that a domain's TXT records prove an organization owns
// it. The zero value uses the system resolver.
type Verifier struct {
	// Resolver looks up TXT records; nil means net.DefaultResolver (through
	// [NetResolver], without modifying it). A *net.Resolver is wrapped with
	// [NetResolver] so NXDOMAIN and "no TXT record" can be told apart.
	Resolver Resolver
	// Logger receives one record per verification; nil discards.
	Logger *slog.Logger
}

// OrgIdentity is what a verifier knows about the organization claiming a
// domain. A trust broker has only the organization's public certificates,
// so the organization presents the raw signature over the domain ([Sign])
// with its registration; the verifier checks it against Certificates and
// hashes it into the proof to look for.
type OrgIdentity struct {
	// AppID is the identifier the broker assigned; matches "AppID=<AppID>".
	AppID string
	// Certificates are the organization's certificates (current, next,
	// previous); a presented signature must verify with one of them.
	Certificates []*x509.Certificate
	// Signatures are raw domain signatures the organization presented
	// (Exchange's DomainOwnershipProofHeader Signature, base64-decoded).
	Signatures [][]byte
	// Proofs are proof strings known otherwise, for example computed by the
	// organization itself with [Proof].
	Proofs []string
}

// VerifyDomain checks domain for org: every presented signature must verify
// with one of org's certificates (else a *SignatureError), and one TXT
// record of domain must carry org's AppID or the proof of a signature or one
// of org's proofs (else a *VerifyError). It is the shape the trust broker's
// domain check takes.
func (v *Verifier) VerifyDomain(ctx context.Context, domain string, org OrgIdentity) error {
	d, err := ValidateDomain(domain)
	if err != nil {
		return err
	}
	want := Expect{AppID: org.AppID, Proofs: append([]string(nil), org.Proofs...)}
	for _, sig := range org.Signatures {
		ok := false
		for _, c := range org.Certificates {
			if CheckSignature(c, d, sig) == nil {
				ok = true
				break
			}
		}
		if !ok {
			se := &SignatureError{Domain: d}
			if len(org.Certificates) == 1 {
				se.Thumbprint = Thumbprint(org.Certificates[0])
			}
			return se
		}
		want.Proofs = append(want.Proofs, ProofFromSignature(sig))
	}
	_, err = v.Verify(ctx, d, want)
	return err
}

// Verify looks up domain's TXT records and returns the one that matches
// want. On failure the error is a *VerifyError matching ErrNoSuchDomain,
// ErrNoTXTRecord, ErrMismatch or ErrDNSFailure, or ErrNothingExpected when
// want is empty.
func (v *Verifier) Verify(ctx context.Context, domain string, want Expect) (string, error) {
	d, err := ValidateDomain(domain)
	if err != nil {
		return "", err
	}
	if want.empty() {
		return "", ErrNothingExpected
	}
	rec, err := v.verify(ctx, d, want)
	log := v.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err != nil {
		log.LogAttrs(ctx, slog.LevelInfo, "dnsproof: domain not verified", slog.String("domain", d), slog.Any("error", err))
		return "", err
	}
	log.LogAttrs(ctx, slog.LevelInfo, "dnsproof: domain verified", slog.String("domain", d))
	return rec, nil
}

func (v *Verifier) verify(ctx context.Context, d string, want Expect) (string, error) {
	r := v.resolver()
	records, err := r.LookupTXT(ctx, d)
	if err != nil {
		return "", &VerifyError{Domain: d, Kind: v.classify(ctx, r, d, err), Err: err}
	}
	if len(records) == 0 {
		return "", &VerifyError{Domain: d, Kind: ErrNoTXTRecord}
	}
	if rec, ok := Match(records, want); ok {
		return rec, nil
	}
	return "", &VerifyError{Domain: d, Kind: ErrMismatch, Found: records}
}

func (v *Verifier) resolver() Resolver {
	switch r := v.Resolver.(type) {
	case nil:
		return NetResolver(nil)
	case *net.Resolver:
		return NetResolver(r)
	default:
		return r
	}
}

// classify maps a failed TXT lookup to one of the outcome sentinels.
func (v *Verifier) classify(ctx context.Context, r Resolver, d string, err error) error {
	switch {
	case errors.Is(err, ErrNoSuchDomain):
		return ErrNoSuchDomain
	case errors.Is(err, ErrNoTXTRecord):
		return ErrNoTXTRecord
	case !notFound(err):
		return ErrDNSFailure
	}
	nc, ok := r.(NameChecker)
	if !ok {
		// Without a way to ask, "not found" is reported as the milder
		// outcome: the name may well exist.
		return ErrNoTXTRecord
	}
	exists, cerr := nc.NameExists(ctx, d)
	switch {
	case cerr != nil:
		return ErrDNSFailure
	case !exists:
		return ErrNoSuchDomain
	}
	return ErrNoTXTRecord
}
