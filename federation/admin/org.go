package admin

import (
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/fedavail/fedavail/dnsproof"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/internal/pki"
)

// Options are an [Org]'s dependencies. The zero value works offline: the
// operations that reach the trust broker need HTTPClient.
type Options struct {
	// HTTPClient reaches the trust broker. Nil makes Trust, AddDomain,
	// RemoveDomain, Rollover and Defederate fail; fedavail never falls back
	// to http.DefaultClient.
	HTTPClient *http.Client
	// Resolver looks up the domains' TXT records; nil means the system
	// resolver.
	Resolver dnsproof.Resolver
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger gets one line per change; never keys or tokens. Nil discards.
	Logger *slog.Logger
}

// Org is an organization's federation state, kept in a directory. Its
// methods are the administrator's steps; each one persists its result
// before it returns. An Org is safe for concurrent use; two processes must
// not change the same directory at once.
type Org struct {
	dir  string
	opts Options
	log  *slog.Logger

	mu   sync.Mutex // serializes operations
	ring *keyring.Ring
}

// Open returns the organization kept in dir, creating dir with mode 0700 if
// it does not exist.
func Open(dir string, opts *Options) (*Org, error) {
	o := &Org{dir: dir}
	if opts != nil {
		o.opts = *opts
	}
	o.log = o.opts.Logger
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(filepath.Join(dir, certDir), 0o700); err != nil {
		return nil, o.storageErr(err, "create", certDir)
	}
	s, err := o.loadState()
	if err != nil {
		return nil, err
	}
	if s.Current != "" {
		if o.ring, err = o.loadRing(s); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// Dir returns the state directory.
func (o *Org) Dir() string { return o.dir }

// SharingFile returns the path of the sharing configuration file (package
// sharing's JSON form) that the relationship operations write; an answering
// server loads it with sharing.LoadFile or Store.ReloadFile.
func (o *Org) SharingFile() string { return filepath.Join(o.dir, sharingFile) }

// Keys returns the organization's key ring (current, next, previous), or
// nil before NewCertificate. It is the ring to give wstrust.Client and
// token.Validator: Rollover changes it in place, atomically. A process that
// opened the directory separately sees a rollover after [Org.Reload].
func (o *Org) Keys() *keyring.Ring {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.ring
}

// Reload reads the certificate slots again, for a server process whose
// administrator runs the command in another process. The ring returned by
// Keys keeps its identity; its content changes atomically.
func (o *Org) Reload() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	s, err := o.loadState()
	if err != nil || s.Current == "" {
		return err
	}
	fresh, err := o.loadRing(s)
	if err != nil {
		return err
	}
	if o.ring == nil {
		o.ring = fresh
		return nil
	}
	return o.ring.Replace(fresh.Snapshot())
}

func (o *Org) now() time.Time {
	if o.opts.Now != nil {
		return o.opts.Now()
	}
	return time.Now()
}

// loadRing reads the certificates the state names into a new ring.
func (o *Org) loadRing(s *state) (*keyring.Ring, error) {
	cur, err := o.loadPair(s.Current)
	if err != nil {
		return nil, err
	}
	ring, err := keyring.New(cur)
	if err != nil {
		return nil, err
	}
	if s.Next != "" {
		p, err := o.loadPair(s.Next)
		if err != nil {
			return nil, err
		}
		if err := ring.SetNext(p); err != nil {
			return nil, err
		}
	}
	if s.Previous != "" {
		p, err := o.loadPair(s.Previous)
		if err != nil {
			return nil, err
		}
		set := *ring.Snapshot()
		set.Previous = &p
		if err := ring.Replace(&set); err != nil {
			return nil, err
		}
	}
	return ring, nil
}

func (o *Org) certPath(thumb, ext string) string {
	return filepath.Join(o.dir, certDir, thumb+ext)
}

// loadPair reads a certificate and its key and checks that they belong
// together.
func (o *Org) loadPair(thumb string) (keyring.Pair, error) {
	certPEM, err := os.ReadFile(o.certPath(thumb, ".pem"))
	if err != nil {
		return keyring.Pair{}, o.storageErr(err, "read", filepath.Join(certDir, thumb+".pem"))
	}
	keyPEM, err := os.ReadFile(o.certPath(thumb, ".key"))
	if err != nil {
		return keyring.Pair{}, o.storageErr(err, "read", filepath.Join(certDir, thumb+".key"))
	}
	certs, err := pki.ParseCertsPEM(certPEM)
	if err != nil {
		return keyring.Pair{}, fail(ErrStorage, err, fmt.Sprintf("%s is not a certificate", o.certPath(thumb, ".pem")), "restore it from a backup")
	}
	key, err := pki.ParseRSAKeyPEM(keyPEM)
	if err != nil {
		// The parser's error is about the PEM structure, never the key's content.
		return keyring.Pair{}, fail(ErrStorage, err, fmt.Sprintf("%s is not an RSA private key", o.certPath(thumb, ".key")), "restore it from a backup")
	}
	if pub, ok := certs[0].PublicKey.(*rsa.PublicKey); !ok || !pub.Equal(&key.PublicKey) {
		return keyring.Pair{}, fail(ErrWrongKey, nil, fmt.Sprintf("the key in %s does not belong to certificate %s", o.certPath(thumb, ".key"), thumb),
			"restore the matching key from a backup, or create a new certificate with new-cert in an empty directory")
	}
	return keyring.Pair{Cert: certs[0], Key: key}, nil
}

// savePair writes a certificate (0600, like the key: nothing here is for
// others) and its key, named by thumbprint, before any state refers to them.
func (o *Org) savePair(p keyring.Pair) (string, error) {
	thumb := dnsproof.Thumbprint(p.Cert)
	keyPEM, err := pki.KeyPEM(p.Key)
	if err != nil {
		return "", fail(ErrInvalid, err, "encode the private key", "")
	}
	if err := writeFile(o.certPath(thumb, ".key"), keyPEM, 0o600); err != nil {
		return "", o.storageErr(err, "write", filepath.Join(certDir, thumb+".key"))
	}
	if err := writeFile(o.certPath(thumb, ".pem"), pki.CertPEM(p.Cert), 0o600); err != nil {
		return "", o.storageErr(err, "write", filepath.Join(certDir, thumb+".pem"))
	}
	return thumb, nil
}

// certificates returns the ring's certificates that a broker registration
// lists: current and next.
func certificates(set *keyring.Set) (cur, next *x509.Certificate) {
	cur = set.Current.Cert
	if set.Next != nil {
		next = set.Next.Cert
	}
	return cur, next
}
