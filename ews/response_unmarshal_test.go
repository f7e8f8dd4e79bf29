package ews

import (
	"encoding/xml"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/testshared"
)

// referenceResponse has GetUserAvailabilityResponse's fields and tags but
// not its UnmarshalXML method, so encoding/xml decodes it by reflection:
// the reference the hand-written decoder must agree with.
type referenceResponse GetUserAvailabilityResponse

// decoded is one decoder's result.
type decoded struct {
	resp *GetUserAvailabilityResponse
	err  error
}

// decodeAll decodes data as the client does (the xmlscan fast path, with
// encoding/xml's tokens for what it declines), with encoding/xml's tokens
// only, and with the reference. scanned reports whether the fast path vouched for
// its result.
func decodeAll(data []byte) (client, tokens, ref decoded, scanned bool) {
	client.resp, tokens.resp, ref.resp = new(GetUserAvailabilityResponse), new(GetUserAvailabilityResponse), new(GetUserAvailabilityResponse)
	scan := func(b []byte) (soap.Version, xml.Name, bool) {
		v, name, ok := client.resp.scanEnvelope(b)
		scanned = ok
		return v, name, ok
	}
	_, client.err = soap.Decode(data, soap.DecodeOptions{Body: client.resp, BodyName: getUserAvailabilityResponseName, Scan: scan})
	_, tokens.err = soap.Decode(data, soap.DecodeOptions{Body: tokens.resp, BodyName: getUserAvailabilityResponseName})
	_, ref.err = soap.Decode(data, soap.DecodeOptions{Body: (*referenceResponse)(ref.resp), BodyName: getUserAvailabilityResponseName})
	return client, tokens, ref, scanned
}

// typedDecodeError reports whether err is one of the errors
// Client.GetUserAvailability documents for answers that are faults or
// cannot be read.
func typedDecodeError(err error) bool {
	return errors.As(err, new(*fedavail.Fault)) || errors.As(err, new(*fedavail.XMLError)) || errors.As(err, new(*fedavail.NamespaceError)) ||
		errors.As(err, new(*fedavail.LimitError)) || errors.Is(err, fedavail.ErrDTD)
}

// sameAsReference returns what differs between a decoder's result and the
// reference's, or "".
func sameAsReference(got, ref decoded) string {
	switch {
	case (got.err == nil) != (ref.err == nil):
		return fmt.Sprintf("error %v, reference error %v", got.err, ref.err)
	case got.err != nil:
		if !typedDecodeError(got.err) {
			return fmt.Sprintf("error %T %v, want one of the documented decode errors", got.err, got.err)
		}
		return ""
	case !cmp.Equal(ref.resp, got.resp, cmpDecoded):
		// Equal first: Diff costs more, and fuzzing runs this a lot.
		return "(-reference +decoded)\n" + cmp.Diff(ref.resp, got.resp, cmpDecoded)
	}
	return ""
}

// cmpDecoded compares decoded answers exactly: XMLName included, instants
// with their offsets.
var cmpDecoded = cmp.Comparer(func(a, b DateTime) bool {
	return a.Floating == b.Floating && a.Time.Equal(b.Time) && a.Time.Location().String() == b.Time.Location().String() && zoneOffset(a) == zoneOffset(b)
})

func zoneOffset(d DateTime) int {
	_, off := d.Time.Zone()
	return off
}

// TestDecodeResponseMatchesReference decodes a thousand generated answers
// as the client does and with encoding/xml's tokens: both must fail
// together with the reference, with a typed error, or agree with it on
// every field.
func TestDecodeResponseMatchesReference(t *testing.T) {
	t.Parallel()
	g := &responseGen{r: rand.New(rand.NewPCG(4, 2025))}
	var ok, failed, scanned, events int
	for i := range 1000 {
		data := g.response()
		client, tokens, ref, fast := decodeAll(data)
		for name, got := range map[string]decoded{"client": client, "tokens": tokens} {
			if diff := sameAsReference(got, ref); diff != "" {
				t.Fatalf("answer %d, %s: %s\n%s", i, name, diff, data)
			}
		}
		if fast {
			scanned++
		}
		if ref.err != nil {
			failed++
			continue
		}
		ok++
		for _, fr := range ref.resp.FreeBusyResponses {
			if v := fr.FreeBusyView; v != nil && v.CalendarEvents != nil {
				events += len(v.CalendarEvents.Events)
			}
		}
	}
	t.Logf("%d answers decoded (%d events, %d by the fast path), %d refused", ok, events, scanned, failed)
	// The generator must exercise both outcomes and real content. The
	// encoding/xml path is exercised on every answer ("tokens"); the fast
	// path, whose Reader refuses only what encoding/xml refuses, must take
	// every answer the reference reads, comments, processing instructions
	// and CDATA included.
	if ok < 300 || failed < 100 || events < 300 || scanned < 100 {
		t.Errorf("%d answers decoded (%d events, %d by the fast path), %d refused: the generator is too tame or too wild", ok, events, scanned, failed)
	}
	if scanned != ok {
		t.Errorf("the fast path took %d of the %d answers the reference reads", scanned, ok)
	}
}

// TestFastPathTakesRealAnswers checks that the fast path vouches for the
// answers the server writes and Microsoft's documented answer, reading them
// as the reference does, and declines a fault, which encoding/xml reports.
func TestFastPathTakesRealAnswers(t *testing.T) {
	tests := []struct {
		name  string
		file  string // in testdata, or "sample:" and a shared sample
		fast  bool
		fault bool
	}{
		{name: "wire types", file: "wire-response.xml", fast: true},
		{name: "server detailed", file: "server-detailed.xml", fast: true},
		{name: "server detailed merged with suggestions", file: "server-detailedmerged-suggestions.xml", fast: true},
		{name: "server free/busy", file: "server-freebusy.xml", fast: true},
		{name: "server merged only", file: "server-mergedonly.xml", fast: true},
		{name: "Microsoft's sample", file: "sample:GetUserAvailability-response.docs.xml", fast: true},
		{name: "fault", file: "server-fault-toobig.xml", fault: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var data []byte
			if name, ok := strings.CutPrefix(tt.file, "sample:"); ok {
				data = testshared.Sample(t, name)
			} else {
				var err error
				if data, err = os.ReadFile(filepath.Join("testdata", tt.file)); err != nil {
					t.Fatal(err)
				}
			}
			client, _, ref, fast := decodeAll(data)
			if fast != tt.fast {
				t.Errorf("fast path vouched: %v, want %v", fast, tt.fast)
			}
			if diff := sameAsReference(client, ref); diff != "" {
				t.Error(diff)
			}
			if f := (*fedavail.Fault)(nil); errors.As(client.err, &f) != tt.fault {
				t.Errorf("error %v, want a fault: %v", client.err, tt.fault)
			}
		})
	}
}
