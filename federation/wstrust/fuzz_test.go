package wstrust

import (
	"testing"

	"github.com/fedavail/fedavail"
)

// FuzzParseResponse: any input gives a response or an error, never a panic
// or a hang; a parsed response has a token and a lifetime.
func FuzzParseResponse(f *testing.F) {
	f.Add(readTestdata(f, "rstr.xml"))
	f.Add(readTestdata(f, "rstr-marshal.golden.xml"))
	f.Add([]byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><s:Fault><s:Code><s:Value>s:Receiver</s:Value></s:Code></s:Fault></s:Body></s:Envelope>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseResponse(data, fedavail.Limits{MaxBytes: 1 << 16})
		if err == nil && (len(r.Token) == 0 || !r.Expires.After(r.Created)) {
			t.Fatalf("accepted an incomplete response: %+v", r)
		}
	})
}

// FuzzVerify: any input is verified or rejected with a *VerifyError; a
// mutation of a signed request is never accepted with different claims.
func FuzzVerify(f *testing.F) {
	testKeys(f)
	c := testClient(f, orgA)
	good, err := c.NewRequest(freeBusy).Marshal(Signing{Key: orgA.Key, SKI: orgA.SKI()})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(readTestdata(f, "rst-rsa-sha256.golden.xml"))
	v := newVerifier(orgA)
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := v.Verify(data)
		if err != nil {
			if _, ok := err.(*VerifyError); !ok {
				t.Fatalf("error %T is not a *VerifyError: %v", err, err)
			}
			return
		}
		if in.OnBehalfOf.Email != freeBusy.Requester || in.Requestor != c.ApplicationURI {
			t.Fatalf("verified a request with changed signed claims: %+v", in.OnBehalfOf)
		}
	})
}
