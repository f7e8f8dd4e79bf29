package dnsproof

import (
	"context"
	"errors"
	"net"
)

// Resolver looks up TXT records. A record made of several strings comes back
// as one value, the strings joined without separator. *net.Resolver
// implements it, and follows CNAME chains as its recursive server answers
// them.
//
// A lookup that finds nothing returns a *net.DNSError with IsNotFound set,
// or an error wrapping [ErrNoSuchDomain] or [ErrNoTXTRecord]; any other
// error counts as a DNS failure.
type Resolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// NameChecker is implemented by resolvers that can tell a name that does not
// exist (NXDOMAIN) from one that exists without TXT records (NODATA).
// net.Resolver reports both as "no such host"; [NetResolver] adds the check.
type NameChecker interface {
	// NameExists reports whether name exists in DNS.
	NameExists(ctx context.Context, name string) (bool, error)
}

// NetResolver adapts a *net.Resolver (nil: net.DefaultResolver, used as is
// and never modified) to [Resolver] and [NameChecker].
func NetResolver(r *net.Resolver) Resolver {
	if r == nil {
		r = net.DefaultResolver
	}
	return netResolver{r}
}

type netResolver struct{ r *net.Resolver }

func (n netResolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	return n.r.LookupTXT(ctx, name)
}

// NameExists asks for the records a mail domain is most likely to have, MX
// then addresses: an answer to either means the name exists. Without an
// answer the name is taken not to exist; a name with only other record
// types (rare for an SMTP domain) is reported as missing, which is the
// conservative mistake.
func (n netResolver) NameExists(ctx context.Context, name string) (bool, error) {
	if mx, err := n.r.LookupMX(ctx, name); err == nil && len(mx) > 0 {
		return true, nil
	} else if err != nil && !notFound(err) {
		return false, err
	}
	if addrs, err := n.r.LookupHost(ctx, name); err == nil && len(addrs) > 0 {
		return true, nil
	} else if err != nil && !notFound(err) {
		return false, err
	}
	return false, nil
}

// notFound reports whether err is a DNS "no such host" answer (NXDOMAIN or
// an empty answer), as opposed to a failure to get an answer.
func notFound(err error) bool {
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr) && dnsErr.IsNotFound
}
