package broker_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail/federation/broker"
	"github.com/fedavail/fedavail/federation/broker/storetest"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/fedtest"
)

func TestMemoryStoreConformance(t *testing.T) {
	storetest.TestStore(t, func(*testing.T) broker.Store { return &broker.MemoryStore{} })
}

func TestFileStoreConformance(t *testing.T) {
	storetest.TestStore(t, func(t *testing.T) broker.Store {
		s, err := broker.OpenFileStore(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestFileStoreReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := broker.OpenFileStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []broker.Organization{storetest.Org("urn:a", "a.test"), storetest.Org("urn:b", "b.test")} {
		if _, err := s.Put(t.Context(), o); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Delete(t.Context(), "urn:b", 1); err != nil {
		t.Fatal(err)
	}
	want, _ := s.List(t.Context())

	// A second store on the same folder refuses to open while the first holds it.
	if _, err := broker.OpenFileStore(dir); !errors.Is(err, broker.ErrStoreLocked) {
		t.Fatalf("second open = %v, want ErrStoreLocked", err)
	}
	// A crash during a later write leaves a temporary file behind, possibly
	// truncated; it must not matter.
	if err := os.WriteFile(filepath.Join(dir, ".org-0123.json.123.tmp"), []byte(`{"format":2,"organiz`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.List(t.Context()); err == nil {
		t.Error("List on a closed store succeeded")
	}
	s2, err := broker.OpenFileStore(dir)
	if err != nil {
		t.Fatalf("open after close: %v", err)
	}
	got, err := s2.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after reopening (-want +got):\n%s", diff)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "org-*.json"))
	for _, f := range files {
		if info, err := os.Stat(f); err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("store file %s: %v, %v", f, info, err)
		}
	}
	if len(files) != 1 {
		t.Errorf("%d organization files, want 1", len(files))
	}
	s2.Close()

	// A corrupt file is reported, not silently dropped.
	if err := os.WriteFile(files[0], []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := broker.OpenFileStore(dir); err == nil {
		t.Error("corrupt store opened")
	}
}

// failingStore fails List while broken, as a database that went away.
type failingStore struct {
	broker.MemoryStore
	broken bool
}

func (f *failingStore) List(ctx context.Context) ([]broker.Organization, error) {
	if f.broken {
		return nil, errors.New("store unreachable")
	}
	return f.MemoryStore.List(ctx)
}

func (f *failingStore) Ping(context.Context) error {
	if f.broken {
		return errors.New("store unreachable")
	}
	return nil
}

func TestReadyFollowsTheStore(t *testing.T) {
	keys, err := fedtest.NewBrokerCert("broker")
	if err != nil {
		t.Fatal(err)
	}
	ring, _ := keyring.New(keyring.Pair{Cert: keys.Cert, Key: keys.Key})
	s := &failingStore{}
	b, err := broker.New(t.Context(), broker.Config{URI: "urn:b", BaseURL: "https://sts.test", Keys: ring, Store: s,
		Domains: broker.DomainVerifierFunc(func(context.Context, string, *broker.Organization) error { return nil })})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Ready(t.Context()); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	s.broken = true
	if err := b.Reload(t.Context()); err == nil {
		t.Fatal("Reload of a broken store succeeded")
	}
	if err := b.Ready(t.Context()); err == nil {
		t.Error("Ready with the store unreachable")
	}
	s.broken = false
	if err := b.Ready(t.Context()); err != nil {
		t.Errorf("Ready once the store is back: %v", err)
	}
}
