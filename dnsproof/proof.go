package dnsproof

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/fedavail/fedavail/federation/keyring"
)

// ProofLength is the length of a proof string: base64 of a SHA-512 digest.
const ProofLength = 88

// canonical is the text Exchange signs for a domain.
func canonical(domain string) []byte {
	return []byte(strings.ToLower(strings.TrimSpace(domain)))
}

// Sign returns the organization's signature over domain: RSA PKCS #1 v1.5
// with SHA-1 over the UTF-8 bytes of the trimmed, lower-cased domain. This is
// the value an organization presents to a trust broker when it registers
// the domain (Exchange's DomainOwnershipProofHeader Signature, base64).
// PKCS #1 v1.5 signatures are deterministic, so the same key and domain give
// the same signature and therefore the same proof.
//
// key is the organization's RSA key: an *rsa.PrivateKey, or a crypto.Signer
// keeping it in an HSM or a KMS.
func Sign(key crypto.Signer, domain string) ([]byte, error) {
	if key == nil {
		return nil, fmt.Errorf("dnsproof: no private key to sign %q with", domain)
	}
	if _, ok := key.Public().(*rsa.PublicKey); !ok {
		return nil, fmt.Errorf("dnsproof: the key to sign %q with is %T, want RSA", domain, key.Public())
	}
	sum := sha1.Sum(canonical(domain))
	// SHA-1 because that is what Exchange and the Microsoft Federation
	// Gateway use; the signature is only an ownership proof, hashed again
	// with SHA-512 before publication.
	return key.Sign(rand.Reader, sum[:], crypto.SHA1)
}

// ProofFromSignature returns the TXT value for a signature made by [Sign]:
// base64(SHA-512(signature)), 88 characters.
func ProofFromSignature(sig []byte) string {
	sum := sha512.Sum512(sig)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// Proof returns the value Get-FederatedDomainProof prints for domain and
// key: the TXT record content proving that the key's owner controls domain.
func Proof(key crypto.Signer, domain string) (string, error) {
	sig, err := Sign(key, domain)
	if err != nil {
		return "", err
	}
	return ProofFromSignature(sig), nil
}

// CheckSignature reports whether sig is cert's signature over domain, as
// [Sign] makes it. A verifier that has only the public certificate cannot
// recompute a proof; it checks the signature the organization presents and
// then hashes it with [ProofFromSignature].
func CheckSignature(cert *x509.Certificate, domain string, sig []byte) error {
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("dnsproof: certificate %s has a %T key, want RSA", Thumbprint(cert), cert.PublicKey)
	}
	sum := sha1.Sum(canonical(domain))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA1, sum[:], sig); err != nil {
		return &SignatureError{Domain: strings.ToLower(strings.TrimSpace(domain)), Thumbprint: Thumbprint(cert)}
	}
	return nil
}

// Thumbprint returns a certificate's thumbprint as Windows shows it: the
// SHA-1 of the DER certificate in upper-case hex.
func Thumbprint(cert *x509.Certificate) string {
	sum := sha1.Sum(cert.Raw)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// DomainProof is one line of Get-FederatedDomainProof's output.
type DomainProof struct {
	// DomainName is the domain, as given (trimmed and lower-cased).
	DomainName string
	// Name is the certificate's slot in the ring: Current, Next or Previous.
	Name keyring.Slot
	// Thumbprint identifies the certificate, as in [Thumbprint].
	Thumbprint string
	// Proof is the TXT record value.
	Proof string
}

// Proofs returns the proof of domain for every certificate of the ring's
// snapshot that has a private key, current first, then next, then previous —
// what Get-FederatedDomainProof prints without -Thumbprint. Publish the
// current one; during a rollover publish the next one too, so the domain
// stays proven when it becomes current.
func Proofs(ring *keyring.Ring, domain string) ([]DomainProof, error) {
	d := string(canonical(domain))
	set := ring.Snapshot()
	slots := []struct {
		p    *keyring.Pair
		slot keyring.Slot
	}{{&set.Current, keyring.Current}, {set.Next, keyring.Next}, {set.Previous, keyring.Previous}}
	var out []DomainProof
	for _, s := range slots {
		if s.p == nil || s.p.Cert == nil || s.p.Key == nil {
			continue
		}
		p, err := Proof(s.p.Key, d)
		if err != nil {
			return nil, err
		}
		out = append(out, DomainProof{DomainName: d, Name: s.slot, Thumbprint: Thumbprint(s.p.Cert), Proof: p})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("dnsproof: the key ring has no certificate with a private key to prove %q with", d)
	}
	return out, nil
}
