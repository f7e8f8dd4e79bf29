package token

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"

	"github.com/beevik/etree"

	"github.com/fedavail/fedavail/federation/keyring"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/pki"
)

// XML Encryption is written here rather than taken from
// github.com/crewjam/saml/xmlenc, which was evaluated first: its AES-GCM
// encrypter seals a zero buffer under a nil nonce, its CBC and GCM decrypters
// panic on ciphertext that is short or not a whole number of blocks, its
// PKCS#1 v1.5 key transport is not constant time (a Bleichenbacher oracle on
// a server), and it writes only X509Certificate key references. What remains
// is a few dozen lines over crypto/aes and crypto/rsa.

// ContentEncryption is the XML Encryption algorithm that encrypts the
// assertion itself.
type ContentEncryption string

// Content encryption algorithms.
const (
	AES256CBC ContentEncryption = "http://www.w3.org/2001/04/xmlenc#aes256-cbc" // Exchange's choice; the default
	AES128CBC ContentEncryption = "http://www.w3.org/2001/04/xmlenc#aes128-cbc"
	AES256GCM ContentEncryption = "http://www.w3.org/2009/xmlenc11#aes256-gcm"
	AES128GCM ContentEncryption = "http://www.w3.org/2009/xmlenc11#aes128-gcm"
)

func (c ContentEncryption) keySize() int {
	switch c {
	case AES256CBC, AES256GCM:
		return 32
	case AES128CBC, AES128GCM:
		return 16
	}
	return 0
}

func (c ContentEncryption) gcm() bool { return c == AES256GCM || c == AES128GCM }

// KeyTransport is the XML Encryption algorithm that encrypts the content key
// to the recipient's RSA certificate.
type KeyTransport string

// Key transport algorithms.
const (
	RSAOAEP KeyTransport = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p" // the default; SHA-1 digest, as .NET uses
	RSA15   KeyTransport = "http://www.w3.org/2001/04/xmlenc#rsa-1_5"
	// rsaOAEP11 is the XML Encryption 1.1 identifier, accepted on input.
	rsaOAEP11 KeyTransport = "http://www.w3.org/2009/xmlenc11#rsa-oaep"
)

const (
	xencElement   = "http://www.w3.org/2001/04/xmlenc#Element"
	digestSHA1    = "http://www.w3.org/2000/09/xmldsig#sha1"
	digestSHA256  = "http://www.w3.org/2001/04/xmlenc#sha256"
	mgf1SHA1      = "http://www.w3.org/2009/xmlenc11#mgf1sha1"
	wssKeyIDLocal = "KeyIdentifier"
)

// encrypt encrypts plaintext to recipient and returns the xenc:EncryptedData
// element, whose EncryptedKey names the recipient by Subject Key Identifier.
func encrypt(plaintext []byte, recipient *x509.Certificate, kt KeyTransport, ce ContentEncryption, random io.Reader) (*etree.Element, error) {
	pub, ok := recipient.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("token: recipient certificate has a %T key, want RSA", recipient.PublicKey)
	}
	if random == nil {
		random = rand.Reader
	}
	size := ce.keySize()
	if size == 0 {
		return nil, fmt.Errorf("token: unsupported content encryption %q", ce)
	}
	key := make([]byte, size)
	if _, err := io.ReadFull(random, key); err != nil {
		return nil, err
	}
	var wrapped []byte
	var err error
	switch kt {
	case RSAOAEP:
		wrapped, err = rsa.EncryptOAEP(sha1.New(), random, pub, key, nil)
	case RSA15:
		wrapped, err = rsa.EncryptPKCS1v15(random, pub, key)
	default:
		err = fmt.Errorf("token: unsupported key transport %q", kt)
	}
	if err != nil {
		return nil, err
	}
	ciphertext, err := sealContent(ce, key, plaintext, random)
	if err != nil {
		return nil, err
	}

	ed := etree.NewElement("xenc:EncryptedData")
	ed.CreateAttr("xmlns:xenc", ns.XMLEnc)
	ed.CreateAttr("Type", xencElement)
	ed.CreateElement("xenc:EncryptionMethod").CreateAttr("Algorithm", string(ce))
	ki := ed.CreateElement("ds:KeyInfo")
	ki.CreateAttr("xmlns:ds", ns.DSig)
	ek := ki.CreateElement("xenc:EncryptedKey")
	em := ek.CreateElement("xenc:EncryptionMethod")
	em.CreateAttr("Algorithm", string(kt))
	if kt == RSAOAEP {
		em.CreateElement("ds:DigestMethod").CreateAttr("Algorithm", digestSHA1)
	}
	appendSKIReference(ek.CreateElement("ds:KeyInfo"), pki.SKI(recipient))
	ek.CreateElement("xenc:CipherData").CreateElement("xenc:CipherValue").SetText(base64.StdEncoding.EncodeToString(wrapped))
	ed.CreateElement("xenc:CipherData").CreateElement("xenc:CipherValue").SetText(base64.StdEncoding.EncodeToString(ciphertext))
	return ed, nil
}

// appendSKIReference adds the WS-Security reference by Subject Key Identifier
// that both the MFG's signatures and its encrypted keys use.
func appendSKIReference(keyInfo *etree.Element, ski []byte) {
	str := keyInfo.CreateElement("o:SecurityTokenReference")
	str.CreateAttr("xmlns:o", ns.WSSE)
	kid := str.CreateElement("o:KeyIdentifier")
	kid.CreateAttr("ValueType", ns.WSSX509SKI)
	kid.CreateAttr("EncodingType", ns.WSSB64)
	kid.SetText(base64.StdEncoding.EncodeToString(ski))
}

func sealContent(ce ContentEncryption, key, plaintext []byte, random io.Reader) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	if ce.gcm() {
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		out := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
		if _, err := io.ReadFull(random, out); err != nil {
			return nil, err
		}
		return aead.Seal(out, out, plaintext, nil), nil
	}
	// XML Encryption padding: any bytes, the last one giving the pad length.
	pad := aes.BlockSize - len(plaintext)%aes.BlockSize
	out := make([]byte, aes.BlockSize+len(plaintext)+pad)
	if _, err := io.ReadFull(random, out[:aes.BlockSize]); err != nil {
		return nil, err
	}
	copy(out[aes.BlockSize:], plaintext)
	out[len(out)-1] = byte(pad)
	cipher.NewCBCEncrypter(block, out[:aes.BlockSize]).CryptBlocks(out[aes.BlockSize:], out[aes.BlockSize:])
	return out, nil
}

var errDecrypt = errors.New("token: decryption failed")

// decrypt decrypts an xenc:EncryptedData element with the organization key
// its EncryptedKey names by Subject Key Identifier. Every failure after the
// key is chosen is the same errDecrypt, so the answer is no padding oracle.
func decrypt(ed *etree.Element, keys *keyring.Set) ([]byte, error) {
	if !is(ed, ns.XMLEnc, "EncryptedData") {
		return nil, failErr(InvalidTokenFormat, fmt.Errorf("token: root element is %s, want xenc:EncryptedData", ed.FullTag()))
	}
	ce := ContentEncryption(attr(child(ed, ns.XMLEnc, "EncryptionMethod"), "Algorithm"))
	if ce.keySize() == 0 {
		return nil, fail(InvalidUnknownEncryption, "unsupported content encryption %q", ce)
	}
	eks := children(child(ed, ns.DSig, "KeyInfo"), ns.XMLEnc, "EncryptedKey")
	if len(eks) != 1 {
		return nil, fail(InvalidUnknownEncryption, "want one EncryptedKey, found %d", len(eks))
	}
	ek := eks[0]
	ski, err := skiReference(child(ek, ns.DSig, "KeyInfo"))
	if err != nil {
		return nil, failErr(InvalidUnknownEncryption, err)
	}
	pair, _, ok := keys.BySKI(ski)
	if !ok || pair.Key == nil {
		return nil, fail(InvalidUnknownEncryption, "encrypted to an unknown certificate (SKI %x)", ski)
	}
	priv := pair.Decrypter()
	if priv == nil {
		return nil, fail(InvalidUnknownEncryption, "the key of certificate SKI %x cannot decrypt (%T is no crypto.Decrypter)", ski, pair.Key)
	}
	wrapped, err := cipherValue(ek)
	if err != nil {
		return nil, failErr(InvalidTokenFormat, err)
	}
	key, err := unwrapKey(child(ek, ns.XMLEnc, "EncryptionMethod"), priv, wrapped, ce.keySize())
	if err != nil {
		return nil, failErr(InvalidUnknownEncryption, err)
	}
	ct, err := cipherValue(ed)
	if err != nil {
		return nil, failErr(InvalidTokenFormat, err)
	}
	pt, err := openContent(ce, key, ct)
	if err != nil {
		return nil, failErr(InvalidUnknownEncryption, err)
	}
	return pt, nil
}

// unwrapKey decrypts the content key with the organization's key, which may
// live in an HSM or a KMS (a crypto.Decrypter).
func unwrapKey(em *etree.Element, priv crypto.Decrypter, wrapped []byte, size int) ([]byte, error) {
	switch kt := KeyTransport(attr(em, "Algorithm")); kt {
	case RSAOAEP, rsaOAEP11:
		var h crypto.Hash = crypto.SHA1
		switch d := attr(child(em, ns.DSig, "DigestMethod"), "Algorithm"); d {
		case "", digestSHA1:
		case digestSHA256:
			h = crypto.SHA256
		default:
			return nil, fmt.Errorf("token: unsupported OAEP digest %q", d)
		}
		if kt == rsaOAEP11 {
			if m := attr(child(em, "http://www.w3.org/2009/xmlenc11#", "MGF"), "Algorithm"); m != "" && m != mgf1SHA1 {
				return nil, fmt.Errorf("token: unsupported OAEP mask generation %q", m)
			}
		}
		// OAEP and MGF1 with the same hash, as rsa.DecryptOAEP does.
		key, err := priv.Decrypt(rand.Reader, wrapped, &rsa.OAEPOptions{Hash: h})
		if err != nil || len(key) != size {
			return nil, errDecrypt
		}
		return key, nil
	case RSA15:
		// With SessionKeyLen, a wrong padding yields a random key instead of
		// an error: it then fails like a wrong key, in constant time.
		key, err := priv.Decrypt(rand.Reader, wrapped, &rsa.PKCS1v15DecryptOptions{SessionKeyLen: size})
		if err != nil || len(key) != size {
			return nil, errDecrypt
		}
		return key, nil
	default:
		return nil, fmt.Errorf("token: unsupported key transport %q", kt)
	}
}

func openContent(ce ContentEncryption, key, ct []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, errDecrypt
	}
	if ce.gcm() {
		aead, err := cipher.NewGCM(block)
		if err != nil || len(ct) < aead.NonceSize()+aead.Overhead() {
			return nil, errDecrypt
		}
		pt, err := aead.Open(nil, ct[:aead.NonceSize()], ct[aead.NonceSize():], nil)
		if err != nil {
			return nil, errDecrypt
		}
		return pt, nil
	}
	if len(ct) < 2*aes.BlockSize || len(ct)%aes.BlockSize != 0 {
		return nil, errDecrypt
	}
	pt := make([]byte, len(ct)-aes.BlockSize)
	cipher.NewCBCDecrypter(block, ct[:aes.BlockSize]).CryptBlocks(pt, ct[aes.BlockSize:])
	pad := int(pt[len(pt)-1])
	if subtle.ConstantTimeLessOrEq(1, pad)&subtle.ConstantTimeLessOrEq(pad, aes.BlockSize) != 1 {
		return nil, errDecrypt
	}
	return pt[:len(pt)-pad], nil
}

// skiReference reads the Subject Key Identifier of a KeyInfo holding a
// wsse:SecurityTokenReference/wsse:KeyIdentifier of the X509SubjectKeyIdentifier type.
func skiReference(keyInfo *etree.Element) ([]byte, error) {
	kids := children(child(keyInfo, ns.WSSE, "SecurityTokenReference"), ns.WSSE, wssKeyIDLocal)
	if len(kids) != 1 {
		return nil, errors.New("token: KeyInfo has no single Subject Key Identifier reference")
	}
	if vt := attr(kids[0], "ValueType"); vt != ns.WSSX509SKI {
		return nil, fmt.Errorf("token: KeyIdentifier ValueType %q, want X509SubjectKeyIdentifier", vt)
	}
	for _, a := range kids[0].Attr {
		if a.Space != "xmlns" && a.Key != "xmlns" && a.Key != "ValueType" && a.Key != "EncodingType" && a.Key != "Id" {
			return nil, fmt.Errorf("token: unexpected KeyIdentifier attribute %s", a.FullKey())
		}
	}
	if et := attr(kids[0], "EncodingType"); et != "" && et != ns.WSSB64 {
		return nil, fmt.Errorf("token: KeyIdentifier EncodingType %q, want Base64Binary", et)
	}
	ski, err := decodeBase64(kids[0].Text())
	if err != nil || len(ski) == 0 {
		return nil, errors.New("token: KeyIdentifier is not base64")
	}
	return ski, nil
}

func cipherValue(el *etree.Element) ([]byte, error) {
	cv := child(child(el, ns.XMLEnc, "CipherData"), ns.XMLEnc, "CipherValue")
	if cv == nil {
		return nil, fmt.Errorf("token: %s has no CipherData/CipherValue", el.Tag)
	}
	b, err := decodeBase64(cv.Text())
	if err != nil {
		return nil, fmt.Errorf("token: %s CipherValue is not base64", el.Tag)
	}
	return b, nil
}
