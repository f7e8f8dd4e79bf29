package token

import (
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
