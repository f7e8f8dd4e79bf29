package token

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/fedavail/fedavail"
)

func TestCacheWarmAndNegative(t *testing.T) {
	k := mustKeys(t)
	tok, err := testIssuer(t, k).Issue(testClaims(), k.org.Cert)
	if err != nil {
		t.Fatal(err)
	}
	now := testNow
	v := testValidator(t, k, now, ValidatorConfig{Now: func() time.Time { return now }})
	ctx := t.Context()
	if _, err := v.Validate(ctx, tok.EncryptedData, fedavail.OfferFreeBusy); err != nil {
		t.Fatal(detail(err))
	}
	if n := v.cache.len(); n != 1 {
		t.Fatalf("cache holds %d entries, want 1", n)
	}
	// A cached token is still checked against the operation's offer...
	// (a genuine token of another offer, which Exchange answers with
	// access denied rather than 401: fedavail.ErrWrongOffer)...
	_, err = v.Validate(ctx, tok.EncryptedData, fedavail.OfferAutodiscover)
	wantReason(t, err, InvalidOffer)
	if !errors.Is(err, fedavail.ErrWrongOffer) {
		t.Errorf("wrong offer: %v does not match fedavail.ErrWrongOffer", detail(err))
	}
	// ...and against the clock: past the offer's five minutes (no skew) it
	// is refused, for its own offer and, expired first, for another.
	now = testNow.Add(5*time.Minute + time.Second)
	_, err = v.Validate(ctx, tok.EncryptedData, fedavail.OfferFreeBusy)
	wantReason(t, err, InvalidExpired)
	_, err = v.Validate(ctx, tok.EncryptedData, fedavail.OfferAutodiscover)
	wantReason(t, err, InvalidExpired)
	if errors.Is(err, fedavail.ErrWrongOffer) {
		t.Error("an expired token of another offer matches ErrWrongOffer")
	}

	// A refused token is remembered: the cached error comes back even though
	// nothing about the input changed.
	bad := append([]byte(nil), tok.EncryptedData[:100]...)
	_, err1 := v.Validate(ctx, bad, fedavail.OfferFreeBusy)
	e, ok := v.cache.get(sha256.Sum256(bad), now)
	if !ok || e.err == nil {
		t.Fatal("refused token not in the negative cache")
	}
	_, err2 := v.Validate(ctx, bad, fedavail.OfferFreeBusy)
	if err1 != err2 {
		t.Errorf("second refusal %v is not the cached one %v", err2, err1)
	}
	// After the negative TTL it is validated afresh.
	if _, ok := v.cache.get(sha256.Sum256(bad), now.Add(DefaultNegativeCacheTTL)); ok {
		t.Error("negative entry outlived its TTL")
	}
}

func TestCacheBounded(t *testing.T) {
	c := newCache(3)
	now := testNow
	for i := range 10 {
		c.put(sha256.Sum256([]byte{byte(i)}), entry{expires: now.Add(time.Minute)}, now)
		if c.len() > 3 {
			t.Fatalf("after %d puts the cache holds %d entries, bound is 3", i+1, c.len())
		}
	}
	// Already expired entries are never stored.
	c = newCache(3)
	c.put(sha256.Sum256(nil), entry{expires: now}, now)
	if c.len() != 0 {
		t.Error("expired entry stored")
	}
}

// TestCacheRemembersDigests: an accepted token's digest is remembered and
// found again from its bytes; bytes that only share the seeded hash of a
// remembered token get their own SHA-256, never the remembered one; a
// refused token is not remembered; and the remembered bytes stay within
// one per cache entry.
func TestCacheRemembersDigests(t *testing.T) {
	k := mustKeys(t)
	tok, err := testIssuer(t, k).Issue(testClaims(), k.org.Cert)
	if err != nil {
		t.Fatal(err)
	}
	v := testValidator(t, k, testNow, ValidatorConfig{})
	if _, err := v.Validate(t.Context(), tok.EncryptedData, fedavail.OfferFreeBusy); err != nil {
		t.Fatal(detail(err))
	}
	want := sha256.Sum256(tok.EncryptedData)
	if d, ok := v.cache.digests[v.cache.index(tok.EncryptedData)]; !ok || d.key != want || !bytes.Equal(d.data, tok.EncryptedData) {
		t.Fatal("the accepted token's digest is not remembered")
	}
	if got := v.cache.key(bytes.Clone(tok.EncryptedData)); got != want {
		t.Error("key of the accepted token is not its SHA-256")
	}

	// Bytes that share the token's index (its length and ends) by design.
	mid := bytes.Clone(tok.EncryptedData)
	mid[len(mid)/2] ^= 1
	if v.cache.index(mid) != v.cache.index(tok.EncryptedData) {
		t.Fatal("a change in the middle moved the index: the case below tests nothing")
	}
	if got := v.cache.key(mid); got != sha256.Sum256(mid) {
		t.Error("bytes sharing a remembered token's index got its key")
	}

	// A forged collision of the seeded hash: other bytes filed under it.
	other := []byte("<xenc:EncryptedData>other</xenc:EncryptedData>")
	v.cache.digests[v.cache.index(other)] = digest{data: tok.EncryptedData, key: want}
	if got := v.cache.key(other); got != sha256.Sum256(other) {
		t.Error("bytes sharing a remembered token's hash got its key")
	}
	delete(v.cache.digests, v.cache.index(other))

	bad := bytes.Clone(tok.EncryptedData[:200])
	if _, err := v.Validate(t.Context(), bad, fedavail.OfferFreeBusy); err == nil {
		t.Fatal("a truncated token was accepted")
	}
	if _, ok := v.cache.digests[v.cache.index(bad)]; ok || len(v.cache.digests) != 1 {
		t.Errorf("%d digests remembered after a refusal, want only the accepted token's", len(v.cache.digests))
	}

	small := newCache(3)
	for i := range 10 {
		data := bytes.Repeat([]byte{byte('a' + i)}, 100+i)
		small.remember(data, sha256.Sum256(data))
		n := 0
		for _, d := range small.digests {
			n += len(d.data)
		}
		if len(small.digests) > 3 || n != small.digestBytes {
			t.Fatalf("after %d: %d digests, %d bytes counted as %d", i+1, len(small.digests), n, small.digestBytes)
		}
	}
	big := make([]byte, maxDigestToken+1)
	small.remember(big, sha256.Sum256(big))
	if _, ok := small.digests[small.index(big)]; ok {
		t.Error("a token over maxDigestToken was remembered")
	}
}
