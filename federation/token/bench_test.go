package token

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/fedavail/fedavail"
)

// BenchmarkCryptoFloor is the least any cold validation must do: one
// RSA-2048 private-key decryption of the content key (RSA-OAEP with SHA-1,
// the default key transport) and one RSA-2048 PKCS #1 v1.5 verification
// with SHA-256 (the Issuer's default signature), with the very keys the
// cold benchmarks use. Compare BenchmarkValidateCold with it.
func BenchmarkCryptoFloor(b *testing.B) {
	floor := oaepFloor(b, mustKeys(b))
	for b.Loop() {
		floor()
	}
}

// BenchmarkCryptoFloorRSA15 is the floor of BenchmarkValidateColdVariants'
// RSA 1.5 case: the key is unwrapped as unwrapKey does it, in constant time
// into a random key.
func BenchmarkCryptoFloorRSA15(b *testing.B) {
	floor := rsa15Floor(b, mustKeys(b))
	for b.Loop() {
		floor()
	}
}

// BenchmarkValidateCold validates a token the validator has not seen: with
// both caches off, every iteration decrypts, parses and verifies.
func BenchmarkValidateCold(b *testing.B) {
	k, tok := benchToken(b)
	validate := coldValidation(b, k, tok)
	for b.Loop() {
		validate()
	}
}

// BenchmarkValidateColdVariants is BenchmarkValidateCold for the other key
// transport and content encryption. Compare the RSA 1.5 case with
// BenchmarkCryptoFloorRSA15, the others with BenchmarkCryptoFloor.
func BenchmarkValidateColdVariants(b *testing.B) {
	k := mustKeys(b)
	for _, alg := range []Issuer{
		{KeyTransport: RSA15},
		{ContentEncryption: AES256GCM},
		{ContentEncryption: AES128GCM},
	} {
		// Named by the URIs' fragments, e.g. "rsa-1_5+aes256-cbc".
		name := fragment(string(alg.keyTransport())) + "+" + fragment(string(alg.contentEncryption()))
		b.Run(name, func(b *testing.B) {
			iss := testIssuer(b, k)
			iss.KeyTransport, iss.ContentEncryption = alg.KeyTransport, alg.ContentEncryption
			tok, err := iss.Issue(testClaims(), k.org.Cert)
			if err != nil {
				b.Fatal(err)
			}
			validate := coldValidation(b, k, tok.EncryptedData)
			for b.Loop() {
				validate()
			}
		})
	}
}

// BenchmarkColdOverFloor pairs one cold validation with one crypto floor in
// every iteration, alternating which goes first, and reports the ratio of
// their summed times as "cold/floor". Load that comes and goes on a shared
// machine then weighs on both sides alike, which separate benchmarks
// seconds apart cannot promise.
func BenchmarkColdOverFloor(b *testing.B) {
	k, tok := benchToken(b)
	validate, floor := coldValidation(b, k, tok), oaepFloor(b, k)
	var cold, base time.Duration
	timed := func(f func(), total *time.Duration) {
		start := time.Now()
		f()
		*total += time.Since(start)
	}
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			timed(validate, &cold)
			timed(floor, &base)
		} else {
			timed(floor, &base)
			timed(validate, &cold)
		}
	}
	b.ReportMetric(float64(cold)/float64(base), "cold/floor")
}

func BenchmarkValidateWarm(b *testing.B) {
	k, tok := benchToken(b)
	v := testValidator(b, k, testNow, ValidatorConfig{})
	for b.Loop() {
		if _, err := v.ValidateToken(b.Context(), tok, fedavail.OfferFreeBusy); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIssue(b *testing.B) {
	k := mustKeys(b)
	iss := testIssuer(b, k)
	for b.Loop() {
		if _, err := iss.Issue(testClaims(), k.org.Cert); err != nil {
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

// coldValidation returns one full validation of tok by a validator with
// both caches (valid and refused tokens) off, so every call decrypts,
// parses and verifies.
func coldValidation(b *testing.B, k *testKeys, tok []byte) func() {
	v := testValidator(b, k, testNow, ValidatorConfig{CacheSize: -1})
	if v.cache != nil {
		b.Fatal("a cold validation must run without the cache")
	}
	return func() {
		if _, err := v.ValidateToken(b.Context(), tok, fedavail.OfferFreeBusy); err != nil {
			b.Fatal(err)
		}
	}
}

// oaepFloor returns the crypto floor of a default token: an RSA-OAEP
// (SHA-1) unwrap of a 256-bit key and an RSA-SHA256 verification.
func oaepFloor(b *testing.B, k *testKeys) func() {
	wrapped, err := rsa.EncryptOAEP(sha1.New(), rand.Reader, &k.org.Key.PublicKey, make([]byte, 32), nil)
	if err != nil {
		b.Fatal(err)
	}
	verify := floorVerifier(b, k)
	return func() {
		if _, err := rsa.DecryptOAEP(sha1.New(), nil, k.org.Key, wrapped, nil); err != nil {
			b.Fatal(err)
		}
		verify()
	}
}

// rsa15Floor is oaepFloor with an RSA 1.5 unwrap.
func rsa15Floor(b *testing.B, k *testKeys) func() {
	wrapped, err := rsa.EncryptPKCS1v15(rand.Reader, &k.org.Key.PublicKey, make([]byte, 32))
	if err != nil {
		b.Fatal(err)
	}
	verify := floorVerifier(b, k)
	key := make([]byte, 32)
	return func() {
		if err := rsa.DecryptPKCS1v15SessionKey(nil, k.org.Key, wrapped, key); err != nil {
			b.Fatal(err)
		}
		verify()
	}
}

// floorVerifier returns one RSA-SHA256 verification by the broker's key.
func floorVerifier(b *testing.B, k *testKeys) func() {
	digest := sha256.Sum256([]byte("signed info"))
	sig, err := rsa.SignPKCS1v15(nil, k.broker.Key, crypto.SHA256, digest[:])
	if err != nil {
		b.Fatal(err)
	}
	return func() {
		if err := rsa.VerifyPKCS1v15(&k.broker.Key.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
			b.Fatal(err)
		}
	}
}

func fragment(uri string) string { return uri[strings.LastIndexByte(uri, '#')+1:] }
