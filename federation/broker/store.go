package broker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Store persists the broker's registrations one organization at a time, with
// optimistic concurrency, so that several brokers can share one store.
//
// Every stored registration has a version ([Organization].Version), 1 when it
// is first written and one more at every write. A writer reads a registration,
// changes it and writes it back with the version it read; the store accepts
// the write only if the registration still has that version (compare and
// set). Of two writers holding the same version exactly one wins; the other
// gets [ErrStale] and reads again.
//
// The rules every implementation keeps (package storetest checks them):
//   - Get of an unknown application URI and Delete of one return an error
//     matching [ErrNotFound].
//   - Put with Version 0 creates the registration, or fails with [ErrExists]
//     when one exists; Put with Version n replaces it only if its version is n,
//     else fails with [ErrStale] (or [ErrNotFound] if it is gone).
//   - A domain belongs to one registration: Put fails with [ErrDomainTaken]
//     when another registration holds one of org.Domains.
//   - A write that fails changes nothing; a write that succeeds is durable
//     when it returns.
//   - Returned organizations share no memory with the store or with each
//     other; the caller may modify them.
//   - Implementations are safe for concurrent use.
type Store interface {
	// List returns every registration with its version, in no particular order.
	List(ctx context.Context) ([]Organization, error)
	// Get returns the registration of applicationURI.
	Get(ctx context.Context, applicationURI string) (*Organization, error)
	// Put writes org if the stored version is org.Version and returns the new version.
	Put(ctx context.Context, org Organization) (version int64, err error)
	// Delete removes the registration of applicationURI if its version is version.
	Delete(ctx context.Context, applicationURI string, version int64) error
}

// Watcher is implemented by stores that several brokers share. Watch calls
// changed, from one goroutine, soon after a registration was written by
// anyone, and returns when ctx ends or the store cannot watch any more (the
// broker then polls). [Broker.Run] uses it to keep the broker's view fresh.
type Watcher interface {
	Watch(ctx context.Context, changed func()) error
}

// ErrStale is returned by a [Store] write whose version is no longer the
// registration's: another writer changed it first. Read again and retry.
var ErrStale = errors.New("broker: registration was changed by another writer")

// MemoryStore is a [Store] in memory, for tests and for a single broker whose
// registrations need not survive it. The zero value is an empty store.
type MemoryStore struct {
	mu   sync.Mutex
	regs registrations
}

var _ Store = (*MemoryStore)(nil)

// List returns copies of every registration.
func (m *MemoryStore) List(context.Context) ([]Organization, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.regs.list(), nil
}

// Get returns a copy of one registration.
func (m *MemoryStore) Get(_ context.Context, applicationURI string) (*Organization, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.regs.get(applicationURI)
}

// Put writes a copy of org if its version matches.
func (m *MemoryStore) Put(_ context.Context, org Organization) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	next, err := m.regs.check(org)
	if err != nil {
		return 0, err
	}
	m.regs.set(next)
	return next.Version, nil
}

// Delete removes a registration if its version matches.
func (m *MemoryStore) Delete(_ context.Context, applicationURI string, version int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.regs.checkDelete(applicationURI, version); err != nil {
		return err
	}
	m.regs.remove(applicationURI)
	return nil
}

// registrations is the in-memory state of MemoryStore and FileStore: the
// registrations by application URI and the owner of every domain. Callers
// hold a lock.
type registrations struct {
	byURI    map[string]Organization
	byDomain map[string]string
}

func (r *registrations) list() []Organization {
	out := make([]Organization, 0, len(r.byURI))
	for _, o := range r.byURI {
		out = append(out, o.clone())
	}
	slices.SortFunc(out, func(a, b Organization) int { return strings.Compare(a.ApplicationURI, b.ApplicationURI) })
	return out
}

func (r *registrations) get(uri string) (*Organization, error) {
	o, ok := r.byURI[uri]
	if !ok {
		return nil, notFound(uri)
	}
	c := o.clone()
	return &c, nil
}

func notFound(uri string) error {
	return fmt.Errorf("%w: %s", ErrNotFound, uri)
}

// check returns org as it would be stored (with its new version) or the
// reason it may not be.
func (r *registrations) check(org Organization) (Organization, error) {
	old, exists := r.byURI[org.ApplicationURI]
	switch {
	case org.ApplicationURI == "":
		return Organization{}, ErrInvalid
	case org.Version == 0 && exists:
		return Organization{}, fmt.Errorf("%w: %s", ErrExists, org.ApplicationURI)
	case org.Version != 0 && !exists:
		return Organization{}, notFound(org.ApplicationURI)
	case exists && old.Version != org.Version:
		return Organization{}, fmt.Errorf("%w: %s", ErrStale, org.ApplicationURI)
	}
	for _, d := range org.Domains {
		if owner, ok := r.byDomain[d]; ok && owner != org.ApplicationURI {
			return Organization{}, fmt.Errorf("%w: %s", ErrDomainTaken, d)
		}
	}
	next := org.clone()
	next.Version = old.Version + 1
	return next, nil
}

func (r *registrations) checkDelete(uri string, version int64) error {
	old, ok := r.byURI[uri]
	switch {
	case !ok:
		return notFound(uri)
	case old.Version != version:
		return fmt.Errorf("%w: %s", ErrStale, uri)
	}
	return nil
}

// set records org, already checked.
func (r *registrations) set(org Organization) {
	if r.byURI == nil {
		r.byURI, r.byDomain = map[string]Organization{}, map[string]string{}
	}
	r.remove(org.ApplicationURI)
	r.byURI[org.ApplicationURI] = org
	for _, d := range org.Domains {
		r.byDomain[d] = org.ApplicationURI
	}
}

func (r *registrations) remove(uri string) {
	old, ok := r.byURI[uri]
	if !ok {
		return
	}
	for _, d := range old.Domains {
		delete(r.byDomain, d)
	}
	delete(r.byURI, uri)
}
