package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/fedavail/fedavail/dnsproof"
	"github.com/fedavail/fedavail/federation/admin"
	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/internal/pki"
)

// identity is who the server answers as: the organization's certificates,
// application URI and domains, its broker, and where its sharing
// configuration is.
type identity struct {
	appURI      string
	domains     []string
	keys        *keyring.Ring
	metadataURL string
	sharingFile string
	// org is the fedadmin state directory, nil with -cert/-key: a reload
	// reads its certificate slots again, to follow a rollover.
	org *admin.Org
	// warnings are advice about the certificate, such as its coming end.
	warnings []string
}

// loadIdentity reads the identity from -dir or from -cert/-key; flags given
// alongside -dir override what the directory says.
func loadIdentity(o *options) (*identity, error) {
	id := &identity{appURI: o.appURI, domains: o.domains, metadataURL: o.metadataURL, sharingFile: o.sharingFile}
	if o.dir != "" {
		if err := id.fromDir(o.dir); err != nil {
			return nil, err
		}
	} else {
		ring, err := loadKeys(o.orgCert, o.orgKey)
		if err != nil {
			return nil, err
		}
		id.keys = ring
	}
	// The certificate must meet the federation requirements wherever it
	// came from (keyring.Check); the key was checked against it on loading.
	w, err := keyring.Check(id.keys.Current(), keyring.UseOrganization, time.Now())
	if err != nil {
		return nil, fmt.Errorf("organization certificate: %w", err)
	}
	id.warnings = w
	if id.appURI == "" {
		uri, err := dnsproof.ApplicationURI(id.domains[0])
		if err != nil {
			return nil, fmt.Errorf("-domain %s: %w", id.domains[0], err)
		}
		id.appURI = uri
	}
	return id, nil
}

// fromDir fills what the flags left empty from fedadmin's state directory.
func (id *identity) fromDir(dir string) error {
	// admin.Open would create a missing directory: a server must not.
	if _, err := os.Stat(filepath.Join(dir, "federation.json")); err != nil {
		return fmt.Errorf("-dir %s: not a fedadmin state directory (%w)", dir, err)
	}
	org, err := admin.Open(dir, nil)
	if err != nil {
		return err
	}
	if org.Keys() == nil {
		return fmt.Errorf("-dir %s: no organization certificate yet: run fedadmin new-cert", dir)
	}
	tc, err := org.TrustConfig()
	if err != nil {
		return err
	}
	id.org, id.keys = org, org.Keys()
	if id.appURI == "" {
		id.appURI = tc.ApplicationURI
	}
	if len(id.domains) == 0 {
		id.domains = tc.Domains
	}
	if id.metadataURL == "" {
		id.metadataURL = tc.TokenIssuerMetadataEpr
	}
	if id.sharingFile == "" {
		id.sharingFile = org.SharingFile()
	}
	return nil
}

// loadKeys reads an organization certificate and its RSA key from PEM files.
func loadKeys(certFile, keyFile string) (*keyring.Ring, error) {
	data, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("-cert: %w", err)
	}
	certs, err := pki.ParseCertsPEM(data)
	if err != nil || len(certs) == 0 {
		return nil, fmt.Errorf("-cert %s: no PEM certificate in it (%v)", certFile, err)
	}
	data, err = os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("-key: %w", err)
	}
	key, err := pki.ParseRSAKeyPEM(data)
	if err != nil {
		// The parser's error says what is wrong with the file, never its content.
		return nil, fmt.Errorf("-key %s: %w", keyFile, err)
	}
	ring, err := keyring.New(keyring.Pair{Cert: certs[0], Key: key})
	if err != nil {
		return nil, fmt.Errorf("-cert %s and -key %s: %w", certFile, keyFile, err)
	}
	return ring, nil
}
