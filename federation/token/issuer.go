package token

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/beevik/etree"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/federation/keyring"
)

// Issuer issues delegation tokens: it is the token-minting half of a trust
// broker. The zero value is not usable; set URI and Keys.
type Issuer struct {
	// URI is the broker's issuer URI, written into every token
	// (the MFG's is "urn:federation:MicrosoftOnline").
	URI string
	// Keys holds the broker's signing pairs; the current pair signs.
	Keys *keyring.Ring
	// SignatureHash is the signature's digest. Zero means SHA-256; the MFG
	// still signs with SHA-1, which validators accept as well.
	SignatureHash crypto.Hash
	// KeyTransport encrypts the content key; empty means [RSAOAEP].
	KeyTransport KeyTransport
	// ContentEncryption encrypts the assertion; empty means [AES256CBC].
	ContentEncryption ContentEncryption
	// Lifetime is how long tokens are valid when the claims do not say.
	// Zero means the offer's maximum age, or an hour for an unknown offer.
	Lifetime time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Rand is the source of keys, IVs, proof keys and IDs; nil means crypto/rand.
	Rand io.Reader
}

// Issue fills in what c leaves empty — AssertionID, Issuer, IssueInstant,
// NotBefore, NotOnOrAfter and a 256-bit ProofKey — signs the assertion and
// encrypts it to recipient, the target organization's certificate.
// c.Audience is the target's application URI; "http://" is prefixed unless
// it is already absolute. The returned token's EncryptedData is what the
// broker puts into RequestedSecurityToken.
func (i *Issuer) Issue(c Claims, recipient *x509.Certificate) (*fedavail.Token, error) {
	signed, err := i.sign(&c)
	if err != nil {
		return nil, err
	}
	ed, err := encrypt(signed, recipient, i.keyTransport(), i.contentEncryption(), i.Rand)
	if err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	doc.SetRoot(ed)
	out, err := doc.WriteToBytes()
	if err != nil {
		return nil, err
	}
	return &fedavail.Token{
		EncryptedData: out,
		ProofKey:      c.ProofKey,
		AssertionID:   c.AssertionID,
		Created:       c.IssueInstant,
		Expires:       c.NotOnOrAfter,
	}, nil
}

// Sign fills in c like [Issuer.Issue] and returns the signed, unencrypted
// assertion. Brokers do not send it; it is for tests and diagnostics.
func (i *Issuer) Sign(c Claims) ([]byte, error) { return i.sign(&c) }

func (i *Issuer) sign(c *Claims) ([]byte, error) {
	if i.Keys == nil {
		return nil, errors.New("token: Issuer has no Keys")
	}
	if err := i.complete(c); err != nil {
		return nil, err
	}
	hash := i.SignatureHash
	if hash == 0 {
		hash = crypto.SHA256
	}
	signed, err := sign(buildAssertion(c), i.Keys.Current(), hash)
	if err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	doc.SetRoot(signed)
	return doc.WriteToBytes()
}

func (i *Issuer) complete(c *Claims) error {
	switch {
	case c.Audience == "":
		return errors.New("token: claims have no Audience")
	case c.EmailAddress == "":
		return errors.New("token: claims have no EmailAddress")
	case c.NameID == "":
		return errors.New("token: claims have no NameID")
	case c.Offer == "":
		return errors.New("token: claims have no Offer")
	}
	random := i.Rand
	if random == nil {
		random = rand.Reader
	}
	c.Audience = AudienceURI(c.Audience)
	if c.Issuer == "" {
		c.Issuer = i.URI
	}
	if c.AssertionID == "" {
		id, err := newUUID(random)
		if err != nil {
			return err
		}
		c.AssertionID = "uuid-" + id
	}
	if c.IssueInstant.IsZero() {
		now := time.Now
		if i.Now != nil {
			now = i.Now
		}
		c.IssueInstant = now()
	}
	// The wire format has millisecond precision; keep c equal to what a
	// validator will read back.
	c.IssueInstant = c.IssueInstant.UTC().Truncate(time.Millisecond)
	if c.NotBefore.IsZero() {
		c.NotBefore = c.IssueInstant
	}
	c.NotBefore = c.NotBefore.UTC().Truncate(time.Millisecond)
	if c.NotOnOrAfter.IsZero() {
		life := i.Lifetime
		if life == 0 {
			life = c.Offer.MaxAge()
		}
		if life == 0 {
			life = time.Hour
		}
		c.NotOnOrAfter = c.NotBefore.Add(life)
	}
	c.NotOnOrAfter = c.NotOnOrAfter.UTC().Truncate(time.Millisecond)
	if c.ProofKey == nil {
		c.ProofKey = make([]byte, 32)
		if _, err := io.ReadFull(random, c.ProofKey); err != nil {
			return err
		}
	}
	return nil
}

func (i *Issuer) keyTransport() KeyTransport {
	if i.KeyTransport == "" {
		return RSAOAEP
	}
	return i.KeyTransport
}

func (i *Issuer) contentEncryption() ContentEncryption {
	if i.ContentEncryption == "" {
		return AES256CBC
	}
	return i.ContentEncryption
}

// newUUID returns a random (version 4) UUID in its textual form.
func newUUID(random io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(random, b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:]), nil
}
