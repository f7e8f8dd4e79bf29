package ews

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/soap"
)

// referenceResponse has GetUserAvailabilityResponse's fields and tags but
// not its UnmarshalXML method, so encoding/xml decodes it by reflection:
// the reference the hand-written decoder must agree with.
type referenceResponse GetUserAvailabilityResponse

// decodeBoth decodes data with the hand-written decoder and with the
// reference.
func decodeBoth(data []byte) (fast, ref *GetUserAvailabilityResponse, fastErr, refErr error) {
	fast, ref = new(GetUserAvailabilityResponse), new(GetUserAvailabilityResponse)
	_, fastErr = soap.Decode(data, soap.DecodeOptions{Body: fast})
	_, refErr = soap.Decode(data, soap.DecodeOptions{Body: (*referenceResponse)(ref)})
	return fast, ref, fastErr, refErr
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

// TestDecodeResponseMatchesReference decodes many generated answers with
// both decoders: they must fail together, with a *fedavail.XMLError, or
// agree on every field.
func TestDecodeResponseMatchesReference(t *testing.T) {
	g := &responseGen{r: rand.New(rand.NewPCG(4, 2025))}
	var ok, failed, events int
	for i := range 3000 {
		data := g.response()
		fast, ref, fastErr, refErr := decodeBoth(data)
		if (fastErr == nil) != (refErr == nil) {
			t.Fatalf("answer %d: hand-written decoder: %v, encoding/xml: %v\n%s", i, fastErr, refErr, data)
		}
		if fastErr != nil {
			var xe *fedavail.XMLError
			if !errors.As(fastErr, &xe) {
				t.Fatalf("answer %d: error %T %v, want a *fedavail.XMLError", i, fastErr, fastErr)
			}
			failed++
			continue
		}
		ok++
		for _, fr := range fast.FreeBusyResponses {
			if v := fr.FreeBusyView; v != nil && v.CalendarEvents != nil {
				events += len(v.CalendarEvents.Events)
			}
		}
		if diff := cmp.Diff(ref, fast, cmpDecoded); diff != "" {
			t.Fatalf("answer %d (-encoding/xml +hand-written):\n%s\n%s", i, diff, data)
		}
	}
	t.Logf("%d answers decoded (%d events), %d refused", ok, events, failed)
	// The generator must exercise both outcomes and real content.
	if ok < 1000 || failed < 100 || events < 1000 {
		t.Errorf("%d answers decoded (%d events), %d refused: the generator is too tame or too wild", ok, events, failed)
	}
}
