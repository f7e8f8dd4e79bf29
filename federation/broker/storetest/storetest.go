// Package storetest checks that a broker.Store keeps the rules written in
// broker.Store's documentation, as testing/fstest checks an fs.FS.
//
// Run it from the implementation's tests with a function returning a new,
// empty store for each subtest:
//
//	func TestConformance(t *testing.T) {
//		storetest.TestStore(t, func(t *testing.T) broker.Store { return &broker.MemoryStore{} })
//	}
//
// The suite checks: an empty store; a round trip of every field; that
// returned organizations share no memory with the store; creating twice;
// compare-and-set of versions (of two writers holding the same version exactly
// one wins, with broker.ErrStale for the other); one owner per domain; that a
// refused write changes nothing; deletion; and, under -race, concurrent
// writers racing on one registration and on one domain.
package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail/federation/broker"
	"github.com/fedavail/fedavail/federation/mfg"
)

// TestStore runs the conformance suite; open returns a new, empty store.
func TestStore(t *testing.T, open func(t *testing.T) broker.Store) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, s broker.Store)
	}{
		{"Empty", testEmpty},
		{"RoundTrip", testRoundTrip},
		{"NoAliasing", testNoAliasing},
		{"CreateTwice", testCreateTwice},
		{"StaleVersion", testStaleVersion},
		{"DomainTaken", testDomainTaken},
		{"FailedWriteChangesNothing", testFailedWrite},
		{"Delete", testDelete},
		{"ConcurrentWriters", testConcurrentWriters},
		{"ConcurrentDomainClaims", testConcurrentDomainClaims},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, open(t)) })
	}
}

// Org returns a registration for application URI uri with the given
// domains; its certificate fields are arbitrary bytes (stores do not parse them).
func Org(uri string, domains ...string) broker.Organization {
	return broker.Organization{
		ApplicationURI: uri,
		AppID:          fmt.Sprintf("%016X", len(uri)),
		Domains:        domains,
		Current:        []byte("current certificate of " + uri),
		Next:           []byte("next certificate of " + uri),
		Reserved: []broker.Reservation{{
			Domain: "fydibohf25spdlt." + uri, State: mfg.PendingActivation,
			Since: time.Date(2026, 12, 1, 12, 0, 0, 123456789, time.UTC),
		}},
	}
}

func put(t *testing.T, s broker.Store, o broker.Organization) int64 {
	t.Helper()
	v, err := s.Put(t.Context(), o)
	if err != nil {
		t.Fatalf("Put(%s, version %d): %v", o.ApplicationURI, o.Version, err)
	}
	return v
}

func list(t *testing.T, s broker.Store) []broker.Organization {
	t.Helper()
	orgs, err := s.List(t.Context())
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	slices.SortFunc(orgs, func(a, b broker.Organization) int {
		switch {
		case a.ApplicationURI < b.ApplicationURI:
			return -1
		case a.ApplicationURI > b.ApplicationURI:
			return 1
		}
		return 0
	})
	return orgs
}

func testEmpty(t *testing.T, s broker.Store) {
	if orgs := list(t, s); len(orgs) != 0 {
		t.Errorf("List of an empty store = %v", orgs)
	}
	if _, err := s.Get(t.Context(), "urn:none"); !errors.Is(err, broker.ErrNotFound) {
		t.Errorf("Get(unknown) = %v, want ErrNotFound", err)
	}
	if err := s.Delete(t.Context(), "urn:none", 1); !errors.Is(err, broker.ErrNotFound) {
		t.Errorf("Delete(unknown) = %v, want ErrNotFound", err)
	}
	o := Org("urn:none", "none.test")
	o.Version = 3
	if _, err := s.Put(t.Context(), o); !errors.Is(err, broker.ErrNotFound) {
		t.Errorf("Put(unknown, version 3) = %v, want ErrNotFound", err)
	}
}

func testRoundTrip(t *testing.T, s broker.Store) {
	a, b := Org("urn:a", "a.test", "a2.test"), Org("urn:b", "b.test")
	b.Next = nil
	if v := put(t, s, a); v != 1 {
		t.Errorf("first version = %d, want 1", v)
	}
	put(t, s, b)
	a.Version, b.Version = 1, 1
	if diff := cmp.Diff([]broker.Organization{a, b}, list(t, s)); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
	got, err := s.Get(t.Context(), "urn:a")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&a, got); diff != "" {
		t.Errorf("Get (-want +got):\n%s", diff)
	}
	a.Domains = []string{"a3.test"}
	if v := put(t, s, a); v != 2 {
		t.Errorf("second version = %d, want 2", v)
	}
	a.Version = 2
	got, _ = s.Get(t.Context(), "urn:a")
	if diff := cmp.Diff(&a, got); diff != "" {
		t.Errorf("Get after update (-want +got):\n%s", diff)
	}
	// The domains a dropped are free again.
	put(t, s, Org("urn:c", "a.test"))
}

func testNoAliasing(t *testing.T, s broker.Store) {
	o := Org("urn:a", "a.test")
	put(t, s, o)
	// Changing what was written, or what was read, changes nothing stored.
	o.Domains[0], o.Current[0] = "x.test", 'X'
	got, err := s.Get(t.Context(), "urn:a")
	if err != nil {
		t.Fatal(err)
	}
	got.Domains[0], got.Current[0], got.Next[0] = "y.test", 'Y', 'Y'
	listed := list(t, s)
	listed[0].Domains[0], listed[0].Current[0] = "z.test", 'Z'
	want := Org("urn:a", "a.test")
	want.Version = 1
	for i, o := range []broker.Organization{list(t, s)[0], *must(s.Get(t.Context(), "urn:a"))} {
		if diff := cmp.Diff(want, o); diff != "" {
			t.Errorf("read %d after changing returned values (-want +got):\n%s", i, diff)
		}
	}
}

func must(o *broker.Organization, err error) *broker.Organization {
	if err != nil {
		return &broker.Organization{}
	}
	return o
}

func testCreateTwice(t *testing.T, s broker.Store) {
	put(t, s, Org("urn:a", "a.test"))
	if _, err := s.Put(t.Context(), Org("urn:a", "other.test")); !errors.Is(err, broker.ErrExists) {
		t.Errorf("second create = %v, want ErrExists", err)
	}
}

func testStaleVersion(t *testing.T, s broker.Store) {
	put(t, s, Org("urn:a", "a.test"))
	// Two writers read version 1.
	w1, w2 := Org("urn:a", "one.test"), Org("urn:a", "two.test")
	w1.Version, w2.Version = 1, 1
	if _, err := s.Put(t.Context(), w1); err != nil {
		t.Fatalf("first writer: %v", err)
	}
	if _, err := s.Put(t.Context(), w2); !errors.Is(err, broker.ErrStale) {
		t.Errorf("second writer with a stale version = %v, want ErrStale", err)
	}
	if err := s.Delete(t.Context(), "urn:a", 1); !errors.Is(err, broker.ErrStale) {
		t.Errorf("Delete with a stale version = %v, want ErrStale", err)
	}
	got, err := s.Get(t.Context(), "urn:a")
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || !slices.Equal(got.Domains, []string{"one.test"}) {
		t.Errorf("after the race: version %d, domains %v; want 2, [one.test]", got.Version, got.Domains)
	}
}

func testDomainTaken(t *testing.T, s broker.Store) {
	put(t, s, Org("urn:a", "a.test"))
	if _, err := s.Put(t.Context(), Org("urn:b", "b.test", "a.test")); !errors.Is(err, broker.ErrDomainTaken) {
		t.Errorf("create with another's domain = %v, want ErrDomainTaken", err)
	}
	put(t, s, Org("urn:b", "b.test"))
	b := Org("urn:b", "a.test")
	b.Version = 1
	if _, err := s.Put(t.Context(), b); !errors.Is(err, broker.ErrDomainTaken) {
		t.Errorf("update to another's domain = %v, want ErrDomainTaken", err)
	}
	// An organization may keep its own domains.
	a := Org("urn:a", "a.test", "a2.test")
	a.Version = 1
	put(t, s, a)
}

func testFailedWrite(t *testing.T, s broker.Store) {
	put(t, s, Org("urn:a", "a.test"))
	put(t, s, Org("urn:b", "b.test"))
	before := list(t, s)
	// Refused for its last domain: neither its first domain nor the rest of
	// the registration may have been written.
	if _, err := s.Put(t.Context(), Org("urn:c", "c.test", "b.test")); err == nil {
		t.Fatal("write with a taken domain accepted")
	}
	a := Org("urn:a", "a-new.test", "b.test")
	a.Version = 1
	if _, err := s.Put(t.Context(), a); err == nil {
		t.Fatal("update with a taken domain accepted")
	}
	if diff := cmp.Diff(before, list(t, s)); diff != "" {
		t.Errorf("refused writes changed the store (-before +after):\n%s", diff)
	}
	// c.test and a-new.test were not claimed.
	put(t, s, Org("urn:d", "c.test", "a-new.test"))
}

func testDelete(t *testing.T, s broker.Store) {
	put(t, s, Org("urn:a", "a.test"))
	if err := s.Delete(t.Context(), "urn:a", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(t.Context(), "urn:a"); !errors.Is(err, broker.ErrNotFound) {
		t.Errorf("Get after Delete = %v, want ErrNotFound", err)
	}
	if orgs := list(t, s); len(orgs) != 0 {
		t.Errorf("List after Delete = %v", orgs)
	}
	// Its domain is free and its URI can be created again, from version 1.
	if v := put(t, s, Org("urn:b", "a.test")); v != 1 {
		t.Errorf("version = %d", v)
	}
	if v := put(t, s, Org("urn:a", "new.test")); v != 1 {
		t.Errorf("version after re-creating = %d, want 1", v)
	}
}

// testConcurrentWriters has writers increment one registration with
// read-modify-write loops: every success must be counted once in the final
// version, and every failure must be ErrStale.
func testConcurrentWriters(t *testing.T, s broker.Store) {
	put(t, s, Org("urn:a", "a.test"))
	const writers, rounds = 8, 10
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, stale := 0, 0
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				o, err := s.Get(t.Context(), "urn:a")
				if err != nil {
					t.Error(err)
					return
				}
				o.AppID = fmt.Sprintf("writer %d", w)
				_, err = s.Put(t.Context(), *o)
				mu.Lock()
				switch {
				case err == nil:
					wins++
				case errors.Is(err, broker.ErrStale):
					stale++
				default:
					t.Errorf("concurrent Put: %v", err)
				}
				mu.Unlock()
				_, _ = s.List(t.Context())
			}
		}()
	}
	wg.Wait()
	got, err := s.Get(t.Context(), "urn:a")
	if err != nil {
		t.Fatal(err)
	}
	if wins+stale != writers*rounds || got.Version != int64(1+wins) {
		t.Errorf("%d wins, %d stale of %d; final version %d, want %d", wins, stale, writers*rounds, got.Version, 1+wins)
	}
}

// testConcurrentDomainClaims has organizations register the same domain at
// once: exactly one wins.
func testConcurrentDomainClaims(t *testing.T, s broker.Store) {
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.Put(t.Context(), Org(fmt.Sprintf("urn:org%d", i), fmt.Sprintf("own%d.test", i), "shared.test"))
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, broker.ErrDomainTaken):
			t.Errorf("losing claim: %v, want ErrDomainTaken", err)
		}
	}
	if orgs := list(t, s); won != 1 || len(orgs) != 1 {
		t.Errorf("%d claims won, %d registrations stored; want exactly 1", won, len(orgs))
	}
}
