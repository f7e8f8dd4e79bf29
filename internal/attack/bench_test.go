package attack

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/internal/testorg"
)

// BenchmarkBadOverGoodToken is issue 12.4's pair on the federated EWS
// path: the same availability request for 100 mailboxes, once with a
// genuine token (decrypted, signature verified, the request served) and
// once with a real-size token encrypted to another organization's
// certificate, which the validator refuses without a private-key
// operation. Each iteration serves both, alternating which goes first
// (as BenchmarkColdOverFloor in federation/token does), so that load that
// comes and goes weighs on both alike; "bad/good" is the ratio of their
// summed times. The validator's cache is off: every genuine token is
// validated in full. The second pair adds 700 KiB of further Body elements
// (which the handler skips), the body that cost seconds before the 401.
func BenchmarkBadOverGoodToken(b *testing.B) {
	var pad strings.Builder
	for pad.Len() < 700<<10 {
		pad.WriteString(`<P a="1" b="2"><Q>p</Q><R/></P>`)
	}
	for _, p := range []struct{ name, pad string }{{"100 mailboxes", ""}, {"100 mailboxes and 700 KiB", pad.String()}} {
		b.Run(p.name, func(b *testing.B) { badOverGood(b, p.pad) })
	}
}

func badOverGood(b *testing.B, pad string) {
	keys, err := newKeys()
	if err != nil {
		b.Fatal(err)
	}
	org, err := testorg.New(testorg.Config{Keys: keys, CacheSize: -1, MaxBodyBytes: maxBody})
	if err != nil {
		b.Fatal(err)
	}
	mailboxes := make([]string, 100)
	for i := range mailboxes {
		mailboxes[i] = testorg.Alice
	}
	body := availabilityBody(ews.ViewDetailed, mailboxes...) + pad
	claims := testorg.Claims(partnerUser, endpoints[0].offer)
	request := func(to *testing.B, cert int) []byte {
		c := keys.Contoso.Cert
		if cert != 0 {
			c = keys.Northwind.Cert
		}
		tok, err := org.Broker.Mint(claims, c)
		if err != nil {
			to.Fatal(err)
		}
		return endpoints[0].envelope("", string(tok), body)
	}
	good, bad := request(b, 0), request(b, 1)
	serve := func(req []byte, want int) func() {
		return func() {
			rec := httptest.NewRecorder()
			org.Handler.ServeHTTP(rec, httptest.NewRequestWithContext(b.Context(), http.MethodPost, testorg.EWSPath, bytes.NewReader(req)))
			if rec.Code != want {
				b.Fatalf("status %d, want %d", rec.Code, want)
			}
		}
	}
	goodServe, badServe := serve(good, http.StatusOK), serve(bad, http.StatusUnauthorized)
	var goodTime, badTime time.Duration
	timed := func(f func(), total *time.Duration) {
		start := time.Now()
		f()
		*total += time.Since(start)
	}
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			timed(goodServe, &goodTime)
			timed(badServe, &badTime)
		} else {
			timed(badServe, &badTime)
			timed(goodServe, &goodTime)
		}
	}
	b.ReportMetric(float64(badTime)/float64(goodTime), "bad/good")
	b.ReportMetric(float64(len(good)), "request-bytes")
}
