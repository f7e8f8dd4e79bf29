package testshared

import (
	"bytes"
	"strings"
	"testing"
)

func TestValidateSamples(t *testing.T) {
	// Microsoft's documented messages are schema-valid: the validator must accept them.
	ValidateEWSEnvelope(t, Sample(t, "GetUserAvailability-request.docs.xml"))
	ValidateEWSEnvelope(t, Sample(t, "GetUserAvailability-response.docs.xml"))
}

func TestValidatorRejects(t *testing.T) {
	req := Sample(t, "GetUserAvailability-request.docs.xml")
	parts, err := ewsParts(req)
	if err != nil || len(parts) == 0 {
		t.Fatalf("ewsParts = %d parts, %v", len(parts), err)
	}
	body := parts[len(parts)-1]
	// An unknown view is not in the schema's enumeration.
	bad := bytes.Replace(body, []byte("<t:RequestedView>DetailedMerged</t:RequestedView>"), []byte("<t:RequestedView>Everything</t:RequestedView>"), 1)
	if bytes.Equal(bad, body) {
		t.Fatal("sample does not contain the expected RequestedView element")
	}
	if err := CheckEWSElement(t, bad); err == nil {
		t.Error("an invalid RequestedView passed schema validation")
	}
	if err := CheckEWSElement(t, []byte(`<m:NoSuchElement xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"/>`)); err == nil {
		t.Error("an undeclared element passed schema validation")
	}
}

// TestSummary: skips for missing material are counted and summed up in one
// line naming the reason.
func TestSummary(t *testing.T) {
	t.Setenv("CI", "")
	before := skips.n
	for range 2 {
		t.Run("missing", func(t *testing.T) { Unavailable(t, "testshared: sample %s missing", "x.xml") })
	}
	t.Run("other", func(t *testing.T) { Unavailable(t, "xmllint not installed") })
	line := Summary()
	if skips.n != before+3 || !strings.HasPrefix(line, "testshared: ") || !strings.Contains(line, "skipped outside CI") || !strings.Contains(line, "reason(s)") {
		t.Errorf("after 3 skips (%d before): Summary() = %q", before, line)
	}
}
