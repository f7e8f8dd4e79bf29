package token

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"testing"

	"github.com/fedavail/fedavail"
)

// BenchmarkCryptoFloor is the least any cold validation must do: one
// RSA-2048 private-key decryption (the content key) and one RSA signature
// verification. Compare BenchmarkValidateCold with it.
func BenchmarkCryptoFloor(b *testing.B) {
	k := mustKeys(b)
	key := make([]byte, 32)
	wrapped, err := rsa.EncryptOAEP(sha1.New(), rand.Reader, &k.org.Key.PublicKey, key, nil)
	if err != nil {
		b.Fatal(err)
	}
	digest := sha256.Sum256([]byte("signed info"))
	sig, err := rsa.SignPKCS1v15(nil, k.broker.Key, crypto.SHA256, digest[:])
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := rsa.DecryptOAEP(sha1.New(), nil, k.org.Key, wrapped, nil); err != nil {
			b.Fatal(err)
		}
		if err := rsa.VerifyPKCS1v15(&k.broker.Key.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
			b.Fatal(err)
		}
	}
}

func benchToken(b *testing.B) (*testKeys, []byte) {
	k := mustKeys(b)
	tok, err := testIssuer(b, k).Issue(testClaims(), k.org.Cert)
	if err != nil {
		b.Fatal(err)
	}
	return k, tok.EncryptedData
}

func BenchmarkValidateCold(b *testing.B) {
	k, tok := benchToken(b)
	v := testValidator(b, k, testNow, ValidatorConfig{CacheSize: -1})
	b.ResetTimer()
	for b.Loop() {
		if _, err := v.ValidateToken(b.Context(), tok, fedavail.OfferFreeBusy); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateWarm(b *testing.B) {
	k, tok := benchToken(b)
	v := testValidator(b, k, testNow, ValidatorConfig{})
	b.ResetTimer()
	for b.Loop() {
		if _, err := v.ValidateToken(b.Context(), tok, fedavail.OfferFreeBusy); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIssue(b *testing.B) {
	k := mustKeys(b)
	iss := testIssuer(b, k)
	b.ResetTimer()
	for b.Loop() {
		if _, err := iss.Issue(testClaims(), k.org.Cert); err != nil {
			b.Fatal(err)
		}
	}
}
