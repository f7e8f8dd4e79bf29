package broker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// FileStore is a [Store] for one broker on one machine: a folder with one
// JSON file per organization. [OpenFileStore] takes an exclusive lock on the
// folder, so a second process opening it fails at once instead of silently
// losing the first one's registrations; brokers that run as replicas share a
// database store instead (package pgstore).
//
// A write replaces one organization's file: it goes to a temporary file in the
// folder, which is synced, renamed over the file and followed by a sync of the
// folder, so each file is always the old or the new version. Leftover
// temporary files of an interrupted write are ignored. Registrations are read
// once at open; while the lock is held nobody else writes them.
type FileStore struct {
	dir  string
	lock *os.File

	mu     sync.Mutex
	regs   registrations
	closed bool
}

var _ Store = (*FileStore)(nil)

// ErrStoreLocked is matched by the error of [OpenFileStore] when another
// process (or another FileStore) holds the folder.
var ErrStoreLocked = errors.New("broker: store folder is in use by another process")

const (
	fileStoreFormat = 2
	fileStoreLock   = "lock"
	fileStorePrefix = "org-"
)

type orgFile struct {
	Format       int          `json:"format"`
	Organization Organization `json:"organization"`
}

// OpenFileStore opens (creating it if needed, mode 0700) the store folder dir,
// locks it and reads its registrations. Close releases the lock.
func OpenFileStore(dir string) (*FileStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("broker: store folder: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, fileStoreLock), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("broker: store lock: %w", err)
	}
	if err := lockFile(lock); err != nil {
		lock.Close()
		return nil, fmt.Errorf("%w: %s (%v); stop the other broker or give this one its own folder", ErrStoreLocked, dir, err)
	}
	s := &FileStore{dir: dir, lock: lock}
	if err := s.load(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *FileStore) load() error {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("broker: read store folder: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(name, fileStorePrefix) || !strings.HasSuffix(name, ".json") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(s.dir, name))
		if err != nil {
			return fmt.Errorf("broker: read store: %w", err)
		}
		var f orgFile
		if err := json.Unmarshal(data, &f); err != nil {
			return fmt.Errorf("broker: store file %s is corrupt: %w", name, err)
		}
		if f.Format != fileStoreFormat {
			return fmt.Errorf("broker: store file %s has format %d, want %d", name, f.Format, fileStoreFormat)
		}
		if f.Organization.ApplicationURI == "" || name != fileName(f.Organization.ApplicationURI) {
			return fmt.Errorf("broker: store file %s does not hold the organization its name says", name)
		}
		if _, err := s.regs.check(Organization{ApplicationURI: f.Organization.ApplicationURI, Domains: f.Organization.Domains}); err != nil {
			return fmt.Errorf("broker: store file %s: %w", name, err)
		}
		s.regs.set(f.Organization)
	}
	return nil
}

// fileName is the file of one organization: a hash, since application URIs
// may hold any character.
func fileName(uri string) string {
	sum := sha256.Sum256([]byte(uri))
	return fileStorePrefix + hex.EncodeToString(sum[:16]) + ".json"
}

// Close releases the folder's lock; the store cannot be used afterwards.
func (s *FileStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return s.lock.Close() // closing the descriptor releases the lock
}

var errStoreClosed = errors.New("broker: store is closed")

// List returns copies of every registration.
func (s *FileStore) List(context.Context) ([]Organization, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errStoreClosed
	}
	return s.regs.list(), nil
}

// Get returns a copy of one registration.
func (s *FileStore) Get(_ context.Context, applicationURI string) (*Organization, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errStoreClosed
	}
	return s.regs.get(applicationURI)
}

// Put writes org's file if its version matches.
func (s *FileStore) Put(_ context.Context, org Organization) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, errStoreClosed
	}
	next, err := s.regs.check(org)
	if err != nil {
		return 0, err
	}
	data, err := json.MarshalIndent(orgFile{Format: fileStoreFormat, Organization: next}, "", "  ")
	if err != nil {
		return 0, fmt.Errorf("broker: encode store: %w", err)
	}
	if err := writeFileAtomic(s.dir, fileName(next.ApplicationURI), data); err != nil {
		return 0, err
	}
	s.regs.set(next)
	return next.Version, nil
}

// Delete removes an organization's file if its version matches.
func (s *FileStore) Delete(_ context.Context, applicationURI string, version int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errStoreClosed
	}
	if err := s.regs.checkDelete(applicationURI, version); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(s.dir, fileName(applicationURI))); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("broker: remove from store: %w", err)
	}
	if err := syncDir(s.dir); err != nil {
		return err
	}
	s.regs.remove(applicationURI)
	return nil
}

// writeFileAtomic replaces dir/name with data: the file is always the old or
// the new version, and the new one is durable on return.
func writeFileAtomic(dir, name string, data []byte) error {
	tmp, err := os.CreateTemp(dir, "."+name+".*.tmp")
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
	// The files hold no keys, only certificates, but there is no reason for
	// anyone else to read them.
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
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("broker: replace store file: %w", err)
	}
	ok = true
	return syncDir(dir)
}

// syncDir makes a rename or removal in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("broker: sync store folder: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("broker: sync store folder: %w", err)
	}
	return nil
}
