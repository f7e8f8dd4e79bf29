package admin

import (
	"bytes"
	"crypto/rsa"
	"errors"
	"fmt"
	"strings"

	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/internal/pki"
)

// ParseCertificate reads an existing organization certificate and its
// private key, for [CertificateOptions].Import: a PFX (PKCS #12, as Windows
// exports it, with password) or PEM, the key either in the same data or in
// keyPEM. The certificate is the first of the file (the leaf); a PFX's CA
// certificates are ignored.
func ParseCertificate(data, keyPEM []byte, password string) (keyring.Pair, error) {
	if !bytes.Contains(data, []byte("-----BEGIN")) {
		key, cert, _, err := pkcs12.DecodeChain(data, password)
		if err != nil {
			return keyring.Pair{}, fail(ErrInvalid, err, "the file is neither PEM nor a PFX this password opens", "check the file and its password")
		}
		rk, ok := key.(*rsa.PrivateKey)
		if !ok {
			return keyring.Pair{}, fail(ErrInvalid, nil, fmt.Sprintf("the PFX holds a %T key", key), "federation needs an RSA key of 2048 bits or more")
		}
		return keyring.Pair{Cert: cert, Key: rk}, nil
	}
	certs, err := pki.ParseCertsPEM(data)
	if err != nil || len(certs) == 0 {
		return keyring.Pair{}, fail(ErrInvalid, err, "no PEM certificate in the file", "give the certificate in PEM or PFX form")
	}
	if len(keyPEM) == 0 {
		keyPEM = data
	}
	key, err := pki.ParseRSAKeyPEM(keyPEM)
	if err != nil {
		// The parser's error is about the PEM structure, never the key's content.
		return keyring.Pair{}, fail(ErrInvalid, err, "no RSA private key in the PEM data", "give the key file too (-key), unencrypted PEM")
	}
	return keyring.Pair{Cert: certs[0], Key: key}, nil
}

// checkImport applies the federation requirements to an imported pair.
func (o *Org) checkImport(p keyring.Pair) (keyring.Pair, error) {
	warnings, err := keyring.Check(p, keyring.UseOrganization, o.now())
	if errors.Is(err, keyring.ErrKeyMismatch) {
		return keyring.Pair{}, fail(ErrWrongKey, err, "the private key does not belong to the certificate", "give the key of this certificate")
	}
	if err != nil {
		return keyring.Pair{}, failQuiet(ErrInvalid, err, "the certificate cannot be used for federation: "+strings.ReplaceAll(err.Error(), "\n", "; "),
			"ask the CA for one with an RSA key of 2048 bits or more, a Subject Key Identifier and the Client Authentication usage")
	}
	for _, w := range warnings {
		o.log.Warn("admin: imported certificate: " + w)
	}
	return p, nil
}
