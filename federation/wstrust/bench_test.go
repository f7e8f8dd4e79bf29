package wstrust

import (
	"crypto"
	"testing"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/wssec"
)

// BenchmarkRSAFloor is one RSA-2048 PKCS #1 v1.5 signature: the floor under
// request building, which makes two (header and assertion).
func BenchmarkRSAFloor(b *testing.B) {
	testKeys(b)
	s := &wssec.Signer{Key: orgA.Key, SKI: orgA.SKI()}
	digest := make([]byte, 20)
	for b.Loop() {
		if _, err := s.Key.Sign(nil, digest, crypto.SHA1); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRequestBuildAndSign(b *testing.B) {
	testKeys(b)
	c := testClient(b, orgA)
	sg := Signing{Key: orgA.Key, SKI: orgA.SKI()}
	for b.Loop() {
		if _, err := c.NewRequest(freeBusy).Marshal(sg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkResponseParse(b *testing.B) {
	data := readTestdata(b, "rstr.xml")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseResponse(data, fedavail.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	testKeys(b)
	c := testClient(b, orgA)
	data, err := c.NewRequest(freeBusy).Marshal(Signing{Key: orgA.Key, SKI: orgA.SKI()})
	if err != nil {
		b.Fatal(err)
	}
	v := newVerifier(orgA)
	for b.Loop() {
		if _, err := v.Verify(data); err != nil {
			b.Fatal(err)
		}
	}
}
