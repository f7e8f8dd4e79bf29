package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/internal/pki"
)

// The signing pairs live in two PEM files (certificate then key), 0600.
const (
	currentFile  = "signing-current.pem"
	previousFile = "signing-previous.pem"
	storeDir     = "registrations" // a broker.FileStore folder
	// legacyStoreFile is where trustbroker kept registrations before
	// per-organization files; imported once.
	legacyStoreFile = "registrations.json"
)

func ensureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("trustbroker: cannot create the state directory: %w", err)
	}
	return nil
}

// loadKeys reads the signing ring, creating a first key when there is none.
func loadKeys(dir string, out func(string)) (*keyring.Ring, error) {
	if err := ensureDir(dir); err != nil {
		return nil, err
	}
	cur, err := readPair(filepath.Join(dir, currentFile))
	if errors.Is(err, fs.ErrNotExist) {
		if cur, err = newPair(); err != nil {
			return nil, err
		}
		if err := writePair(filepath.Join(dir, currentFile), cur); err != nil {
			return nil, err
		}
		out(fmt.Sprintf("created signing certificate %X", sha1Thumb(cur.Cert)))
	} else if err != nil {
		return nil, err
	}
	// The signing certificate must meet what a token-signing certificate
	// needs (RSA 2048, SKI, signature usage, current; keyring.Check).
	warnings, err := keyring.Check(cur, keyring.UseTokenSigning, time.Now())
	if err != nil {
		return nil, fmt.Errorf("trustbroker: %s: %w", filepath.Join(dir, currentFile), err)
	}
	for _, w := range warnings {
		out("warning: signing certificate: " + w)
	}
	ring, err := keyring.New(cur)
	if err != nil {
		return nil, err
	}
	prev, err := readPair(filepath.Join(dir, previousFile))
	switch {
	case err == nil:
		if err := ring.Replace(&keyring.Set{Current: cur, Previous: &prev}); err != nil {
			return nil, err
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	return ring, nil
}

func newPair() (keyring.Pair, error) {
	c, k, err := pki.New(pki.Options{
		CommonName: "fedavail trust broker token signing",
		KeyUsage:   x509.KeyUsageDigitalSignature,
		NotAfter:   time.Now().AddDate(5, 0, 0),
	})
	if err != nil {
		return keyring.Pair{}, err
	}
	return keyring.Pair{Cert: c, Key: k}, nil
}

func readPair(path string) (keyring.Pair, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return keyring.Pair{}, err
	}
	certs, err := pki.ParseCertsPEM(data)
	if err != nil {
		return keyring.Pair{}, fmt.Errorf("trustbroker: %s: %w", path, err)
	}
	key, err := pki.ParseRSAKeyPEM(data)
	if err != nil {
		return keyring.Pair{}, fmt.Errorf("trustbroker: %s: %w", path, err)
	}
	p := keyring.Pair{Cert: certs[0], Key: key}
	if _, err := keyring.Check(p, keyring.UseTokenSigning, time.Now()); errors.Is(err, keyring.ErrKeyMismatch) {
		return keyring.Pair{}, fmt.Errorf("trustbroker: %s: %w", path, keyring.ErrKeyMismatch)
	}
	return p, nil
}

// writePair writes atomically: a crash leaves the old file or the new one.
func writePair(path string, p keyring.Pair) error {
	key, err := pki.KeyPEM(p.Key)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(append(pki.CertPEM(p.Cert), key...)); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
