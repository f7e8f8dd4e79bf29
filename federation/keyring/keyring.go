// Package keyring holds an organization's or a trust broker's certificates
// and keys through a rollover: the current pair, which signs and which
// partners encrypt to; the previous pair, kept so tokens encrypted to it
// still decrypt; and the next pair, published ahead of a switch.
//
// A Ring is read on every request and changed rarely, so reads take a
// snapshot through an atomic pointer: a request in flight during a rollover
// sees the old or the new set, never a mix.
package keyring

import (
	"crypto"
	"crypto/x509"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/fedavail/fedavail/internal/pki"
)

// Pair is a certificate and its private key. Key is nil where only the
// certificate is known (a partner's or a broker's public certificate).
//
// Key is an *rsa.PrivateKey when it is read from a file (the default), or
// any crypto.Signer whose public key is the certificate's RSA key, so that
// the key can stay in an HSM or a cloud KMS: it signs requests, tokens and
// domain proofs through Sign, and decrypts tokens encrypted to the
// certificate through crypto.Decrypter, which such a key must implement too
// on the answering side (an *rsa.PrivateKey does).
type Pair struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// Decrypter returns the key as a crypto.Decrypter, or nil if it cannot decrypt.
func (p Pair) Decrypter() crypto.Decrypter {
	d, _ := p.Key.(crypto.Decrypter)
	return d
}

// SKI returns the certificate's Subject Key Identifier.
func (p Pair) SKI() []byte { return pki.SKI(p.Cert) }

// Slot names a position in a ring.
type Slot string

// Slots, as Exchange names them (OrgCertificate, OrgPrevCertificate, OrgNextCertificate).
const (
	Current  Slot = "Current"
	Previous Slot = "Previous"
	Next     Slot = "Next"
)

// Set is an immutable snapshot of a ring.
type Set struct {
	Current  Pair
	Previous *Pair
	Next     *Pair
}

// All returns the pairs present, current first, then next, then previous.
func (s *Set) All() []Pair {
	out := []Pair{s.Current}
	if s.Next != nil {
		out = append(out, *s.Next)
	}
	if s.Previous != nil {
		out = append(out, *s.Previous)
	}
	return out
}

// BySKI returns the pair whose certificate has this Subject Key Identifier.
func (s *Set) BySKI(ski []byte) (Pair, Slot, bool) {
	for _, c := range []struct {
		p    *Pair
		slot Slot
	}{{&s.Current, Current}, {s.Next, Next}, {s.Previous, Previous}} {
		if c.p != nil && c.p.Cert != nil && pki.FindBySKI([]*x509.Certificate{c.p.Cert}, ski) != nil {
			return *c.p, c.slot, true
		}
	}
	return Pair{}, "", false
}

// Ring is a rotating set of pairs, safe for concurrent use.
type Ring struct {
	mu  sync.Mutex // serializes writers
	set atomic.Pointer[Set]
}

// ErrNoCertificate is returned for a pair without a certificate.
var ErrNoCertificate = errors.New("keyring: pair has no certificate")

// ErrNoNext is returned by Promote when no next pair is installed.
var ErrNoNext = errors.New("keyring: no next certificate to promote")

// New returns a ring whose current pair is current. A key that does not
// belong to its certificate is refused (ErrKeyMismatch), here and wherever
// a pair enters a ring.
func New(current Pair) (*Ring, error) {
	if current.Cert == nil {
		return nil, ErrNoCertificate
	}
	if err := matches(current); err != nil {
		return nil, err
	}
	r := &Ring{}
	r.set.Store(&Set{Current: current})
	return r, nil
}

// Snapshot returns the ring's pairs as of now.
func (r *Ring) Snapshot() *Set { return r.set.Load() }

// Current returns the current pair.
func (r *Ring) Current() Pair { return r.set.Load().Current }

// SetNext installs the pair that will become current at the next Promote.
func (r *Ring) SetNext(p Pair) error {
	if p.Cert == nil {
		return ErrNoCertificate
	}
	if err := matches(p); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s := *r.set.Load()
	s.Next = &p
	r.set.Store(&s)
	return nil
}

// Promote makes the next pair current and the current pair previous; the old
// previous pair is dropped.
func (r *Ring) Promote() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.set.Load()
	if old.Next == nil {
		return ErrNoNext
	}
	cur := old.Current
	r.set.Store(&Set{Current: *old.Next, Previous: &cur})
	return nil
}

// DropPrevious forgets the previous pair, ending a rollover.
func (r *Ring) DropPrevious() {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := *r.set.Load()
	s.Previous = nil
	r.set.Store(&s)
}

// Replace installs a copy of s as the ring's content in one step, for a
// process that reloads its pairs from storage after another process rolled
// them over.
func (r *Ring) Replace(s *Set) error {
	if s == nil || s.Current.Cert == nil {
		return ErrNoCertificate
	}
	for _, p := range s.All() {
		if err := matches(p); err != nil {
			return err
		}
	}
	c := *s
	r.mu.Lock()
	defer r.mu.Unlock()
	r.set.Store(&c)
	return nil
}
