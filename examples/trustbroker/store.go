package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fedavail/fedavail/federation/broker"
	"github.com/fedavail/fedavail/federation/broker/pgstore"
)

// openStore opens the registrations: with -store postgres://… a database
// that replicas share (registrations and replay cache); otherwise a folder
// in the state directory, locked for this process. Registrations an older
// trustbroker kept in one file (legacyStoreFile) are moved into an empty
// store once.
func openStore(ctx context.Context, cfg *config, out func(string)) (broker.Store, func(), error) {
	if cfg.store != "" {
		pool, err := pgxpool.New(ctx, cfg.store)
		if err != nil {
			return nil, nil, fmt.Errorf("trustbroker: -store: %w", err)
		}
		s, err := pgstore.New(ctx, pool, nil)
		if err != nil {
			pool.Close()
			return nil, nil, fmt.Errorf("trustbroker: -store: %w", err)
		}
		if err := importLegacy(ctx, cfg.state, s, out); err != nil {
			pool.Close()
			return nil, nil, err
		}
		return s, pool.Close, nil
	}
	fs, err := broker.OpenFileStore(filepath.Join(cfg.state, storeDir))
	if err != nil {
		return nil, nil, fmt.Errorf("trustbroker: %w", err)
	}
	if err := importLegacy(ctx, cfg.state, fs, out); err != nil {
		fs.Close()
		return nil, nil, err
	}
	return fs, func() { fs.Close() }, nil
}

// importLegacy moves the registrations of registrations.json (format 1) into
// s if s is empty, and renames the file so it is imported once.
func importLegacy(ctx context.Context, state string, s broker.Store, out func(string)) error {
	path := filepath.Join(state, legacyStoreFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("trustbroker: %w", err)
	}
	var old struct {
		Version       int                   `json:"version"`
		Organizations []broker.Organization `json:"organizations"`
	}
	if err := json.Unmarshal(data, &old); err != nil || old.Version != 1 {
		return fmt.Errorf("trustbroker: %s is not a registrations file of format 1 (%v); move it away", path, err)
	}
	if have, err := s.List(ctx); err != nil || len(have) > 0 {
		return fmt.Errorf("trustbroker: both %s and a registrations folder exist; move the file away (%v)", path, err)
	}
	for _, o := range old.Organizations {
		o.Version = 0
		if _, err := s.Put(ctx, o); err != nil {
			return fmt.Errorf("trustbroker: import %s: %w", o.ApplicationURI, err)
		}
	}
	if err := os.Rename(path, path+".imported"); err != nil {
		return fmt.Errorf("trustbroker: %w", err)
	}
	out(fmt.Sprintf("imported %d registrations from %s", len(old.Organizations), path))
	return nil
}
