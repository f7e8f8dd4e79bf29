package broker

import (
	"context"
	"crypto"
	"testing"
)

// BenchmarkIssue is one token per iteration through the broker's HTTPS
// endpoint: the client signs twice, the broker verifies twice, signs the
// token and encrypts its key once. Compare with BenchmarkRSAFloor.
func BenchmarkIssue(b *testing.B) {
	e := newEnv(b, nil)
	e.register(b)
	c := e.client(newRing(b, contoso))
	for b.Loop() {
		if _, err := c.Token(context.Background(), fb); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRSAFloor is one RSA-2048 private-key operation.
func BenchmarkRSAFloor(b *testing.B) {
	testKeys(b)
	digest := make([]byte, 32)
	for b.Loop() {
		if _, err := contoso.Key.Sign(nil, digest, crypto.SHA256); err != nil {
			b.Fatal(err)
		}
	}
}
