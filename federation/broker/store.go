package broker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// Store persists the broker's registrations. Save replaces everything that
// was saved before, atomically: after a crash, Load returns either the old or
// the new set, never a mix. Implementations must be safe for concurrent use.
type Store interface {
	Load(ctx context.Context) ([]Organization, error)
	Save(ctx context.Context, orgs []Organization) error
}

// FileStore is a [Store] keeping registrations in one JSON file. Writes go to
// a temporary file in the same directory, which is synced, renamed over the
// file and followed by a sync of the directory, so the file is always the
// old or the new version. Leftover temporary files of an interrupted write
// are ignored.
type FileStore struct {
	// Path is the file; its directory must exist.
	Path string

	mu sync.Mutex
}

type fileFormat struct {
	Version       int            `json:"version"`
	Organizations []Organization `json:"organizations"`
}

// Load reads the file; a missing file is an empty store.
func (s *FileStore) Load(ctx context.Context) ([]Organization, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	data, err := os.ReadFile(s.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("broker: read store: %w", err)
	}
	var f fileFormat
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("broker: store %s is corrupt: %w", s.Path, err)
	}
	if f.Version != 1 {
		return nil, fmt.Errorf("broker: store %s has version %d, want 1", s.Path, f.Version)
	}
	return f.Organizations, nil
}

// Save writes orgs atomically.
func (s *FileStore) Save(ctx context.Context, orgs []Organization) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	data, err := json.MarshalIndent(fileFormat{Version: 1, Organizations: orgs}, "", "  ")
	if err != nil {
		return fmt.Errorf("broker: encode store: %w", err)
	}
	dir, base := filepath.Split(s.Path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return fmt.Errorf("broker: write store: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	// The file holds no keys, only certificates, but there is no reason for
	// anyone else to read it.
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("broker: write store: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("broker: write store: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("broker: sync store: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("broker: write store: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.Path); err != nil {
		return fmt.Errorf("broker: replace store: %w", err)
	}
	ok = true
	// The rename is durable only once the directory entry is.
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("broker: sync store directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("broker: sync store directory: %w", err)
	}
	return nil
}

// MemoryStore is a [Store] in memory, for tests and for brokers whose
// registrations live elsewhere.
type MemoryStore struct {
	mu   sync.Mutex
	orgs []Organization
}

// Load returns what was saved last.
func (m *MemoryStore) Load(context.Context) ([]Organization, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Organization(nil), m.orgs...), nil
}

// Save keeps a copy of orgs.
func (m *MemoryStore) Save(_ context.Context, orgs []Organization) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.orgs = append([]Organization(nil), orgs...)
	return nil
}
