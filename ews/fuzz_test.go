package ews

import (
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/testshared"
)

// FuzzDecodeResponse feeds arbitrary bytes through the client's decoding:
// envelope, body, and conversion to results. It must never panic or hang,
// and the client's decoding (xmlscan and the hand-written decoders, with
// encoding/xml's tokens as fallback) must agree with encoding/xml's
// reflection (referenceResponse) on every input: both refuse it, or both
// read the same.
//
// Execution counts that stand still for up to a minute after "new
// interesting" are the fuzzer minimizing that input (-fuzzminimizetime,
// one minute by default), not a slow input: an execution decodes a
// few-kilobyte answer twice, about half a millisecond, and minimizing
// takes thousands of them. -fuzzminimizetime=5s keeps the search moving.
func FuzzDecodeResponse(f *testing.F) {
	f.Add(testshared.Sample(f, "GetUserAvailability-response.docs.xml"))
	if b, err := os.ReadFile("testdata/wire-response.xml"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><GetUserAvailabilityResponse xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"><FreeBusyResponseArray><FreeBusyResponse><FreeBusyView><FreeBusyViewType xmlns="http://schemas.microsoft.com/exchange/services/2006/types">MergedOnly</FreeBusyViewType><MergedFreeBusy xmlns="http://schemas.microsoft.com/exchange/services/2006/types">0123459x</MergedFreeBusy></FreeBusyView></FreeBusyResponse></FreeBusyResponseArray></GetUserAvailabilityResponse></s:Body></s:Envelope>`))
	g := &responseGen{r: rand.New(rand.NewPCG(1, 2))}
	for range 4 {
		f.Add(g.response())
	}
	loc := time.FixedZone("", 3600)
	f.Fuzz(func(t *testing.T, data []byte) {
		client, tokens, ref, _ := decodeAll(data)
		for name, got := range map[string]decoded{"client": client, "tokens": tokens} {
			if diff := sameAsReference(got, ref); diff != "" {
				t.Fatalf("%s: %s", name, diff)
			}
		}
		if ref.err != nil {
			return
		}
		resp := client.resp
		d := &decoder{loc: loc, start: time.Date(2025, 1, 1, 0, 0, 0, 0, loc), interval: 30 * time.Minute}
		for i := range resp.FreeBusyResponses {
			m := d.mailbox(Mailbox{Address: "x@y"}, &resp.FreeBusyResponses[i])
			if wh := m.WorkingHours; wh != nil {
				wh.Zone.Offset(d.start)
			}
		}
		if resp.SuggestionsResponse != nil {
			d.suggestions(resp.SuggestionsResponse, &AvailabilityResult{})
		}
	})
}

// FuzzDecodeRequest is the server's side: decoding a request and reading
// its time zone must never panic or hang.
func FuzzDecodeRequest(f *testing.F) {
	f.Add(testshared.Sample(f, "GetUserAvailability-request.docs.xml"))
	if b, err := os.ReadFile("testdata/wire-request.xml"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var req GetUserAvailabilityRequest
		if _, err := soap.Decode(data, soap.DecodeOptions{Body: &req}); err != nil {
			return
		}
		if z := req.TimeZone; z != nil {
			if loc, err := z.Location(""); err == nil {
				_ = time.Date(2025, 7, 1, 12, 0, 0, 0, loc)
			}
			z.Offset(time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC))
		}
		if o := req.FreeBusyViewOptions; o != nil {
			_ = o.TimeWindow.StartTime.In(time.UTC)
		}
	})
}

func FuzzParseDateTime(f *testing.F) {
	for _, s := range []string{"2006-10-16T06:00:00-07:00", "2006-10-16T00:00:00", "2025-03-10T00:00:00.1234567Z", "2024-02-29T24:00:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDateTime(s)
		if err != nil {
			return
		}
		back, err := ParseDateTime(d.String())
		if err != nil || !back.Time.Equal(d.Time) || back.Floating != d.Floating {
			t.Fatalf("%q → %q → %v, %v", s, d.String(), back, err)
		}
	})
}
