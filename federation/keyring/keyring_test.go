package keyring

import (
	"errors"
	"testing"

	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/internal/racetest"
)

func TestRollover(t *testing.T) {
	a, err := fedtest.NewOrgCert("a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := fedtest.NewOrgCert("b")
	if err != nil {
		t.Fatal(err)
	}
	pa, pb := Pair{Cert: a.Cert, Key: a.Key}, Pair{Cert: b.Cert, Key: b.Key}
	r, err := New(pa)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Promote(); !errors.Is(err, ErrNoNext) {
		t.Fatalf("Promote without next = %v, want ErrNoNext", err)
	}
	if err := r.SetNext(pb); err != nil {
		t.Fatal(err)
	}
	if _, slot, ok := r.Snapshot().BySKI(b.SKI()); !ok || slot != Next {
		t.Fatalf("BySKI(next) = %v %v", slot, ok)
	}
	// Readers during the switch always find both certificates.
	racetest.ReadDuring(4, func() bool {
		s := r.Snapshot()
		if _, _, ok := s.BySKI(a.SKI()); !ok {
			t.Error("lost the old certificate during rollover")
			return false
		}
		if _, _, ok := s.BySKI(b.SKI()); !ok {
			t.Error("lost the new certificate during rollover")
			return false
		}
		return true
	}, func() {
		if err := r.Promote(); err != nil {
			t.Fatal(err)
		}
	})
	s := r.Snapshot()
	if !s.Current.Cert.Equal(b.Cert) || s.Previous == nil || !s.Previous.Cert.Equal(a.Cert) || s.Next != nil {
		t.Fatalf("after Promote: current=%s previous=%v next=%v", s.Current.Cert.Subject, s.Previous, s.Next)
	}
	if got := len(s.All()); got != 2 {
		t.Fatalf("All() has %d pairs, want 2", got)
	}
	r.DropPrevious()
	if _, _, ok := r.Snapshot().BySKI(a.SKI()); ok {
		t.Fatal("old certificate still found after DropPrevious")
	}
	if _, err := New(Pair{}); !errors.Is(err, ErrNoCertificate) {
		t.Fatalf("New(empty) = %v", err)
	}
	// Replace installs a reloaded set at once, and keeps its own copy.
	want := &Set{Current: pa, Previous: &pb}
	if err := r.Replace(want); err != nil {
		t.Fatal(err)
	}
	want.Current = pb
	if got := r.Snapshot(); !got.Current.Cert.Equal(a.Cert) || got.Previous == nil || !got.Previous.Cert.Equal(b.Cert) {
		t.Fatalf("after Replace: current=%s previous=%v", got.Current.Cert.Subject, got.Previous)
	}
	if err := r.Replace(&Set{}); !errors.Is(err, ErrNoCertificate) {
		t.Fatalf("Replace(empty) = %v", err)
	}
}
