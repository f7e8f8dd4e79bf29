package wstrust

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestImmutableIDs names users as on-premises Exchange does.
func TestImmutableIDs(t *testing.T) {
	const ns = "FYDIBOHF25SPDLT.contoso.com"
	def := DefaultImmutableID("Alice@Contoso.com")
	if def != DefaultImmutableID("alice@contoso.com") || len(def) != 24 || def == DefaultImmutableID("bob@contoso.com") {
		t.Errorf("DefaultImmutableID = %q: want 24 characters, stable across case, distinct per user", def)
	}
	source := map[string]string{
		"own@contoso.com":     "AAECAwQFBgcICQoLDA0ODw==",
		"full@contoso.com":    "Zm9v@fydibohf25spdlt.contoso.com",
		"foreign@contoso.com": "Zm9v@FYDIBOHF25SPDLT.fabrikam.com",
	}
	id := ImmutableIDs(ns, func(a string) string { return source[a] })
	tests := []struct {
		address string
		want    string
	}{
		{"own@contoso.com", "AAECAwQFBgcICQoLDA0ODw==@" + ns},
		{"full@contoso.com", "Zm9v@fydibohf25spdlt.contoso.com"},                      // already in the namespace: as is
		{"foreign@contoso.com", DefaultImmutableID("foreign@contoso.com") + "@" + ns}, // another namespace: ignored
		{"none@contoso.com", DefaultImmutableID("none@contoso.com") + "@" + ns},
	}
	for _, tc := range tests {
		if got := id(tc.address); got != (Identity{NameID: tc.want, Format: NameIDFormatImmutableID}) {
			t.Errorf("%s: %+v, want %s", tc.address, got, tc.want)
		}
	}
	if got := ImmutableIDs(ns, nil)("x@contoso.com"); got.NameID != DefaultImmutableID("x@contoso.com")+"@"+ns {
		t.Errorf("nil source: %+v", got)
	}
}

// TestRequestIdentity: the assertion carries the identity the Client's
// IdentityFunc gives, and the verifier reads it back from the signed
// assertion.
func TestRequestIdentity(t *testing.T) {
	testKeys(t)
	c := testClient(t, orgA)
	c.Identity = ImmutableIDs(c.ApplicationURI, nil)
	data, err := c.NewRequest(freeBusy).Marshal(Signing{Key: orgA.Key, SKI: orgA.SKI()})
	if err != nil {
		t.Fatal(err)
	}
	v := &Verifier{Certificate: certsBySKI(orgA)}
	in, err := v.Verify(data)
	if err != nil {
		t.Fatal(err)
	}
	want := Identity{NameID: DefaultImmutableID(freeBusy.Requester) + "@" + c.ApplicationURI, Format: NameIDFormatImmutableID}
	if d := cmp.Diff(want, Identity{NameID: in.OnBehalfOf.NameID, Format: in.OnBehalfOf.NameIDFormat}); d != "" {
		t.Errorf("identity (-want +got):\n%s", d)
	}
	if in.OnBehalfOf.Email != freeBusy.Requester {
		t.Errorf("email %q", in.OnBehalfOf.Email)
	}
}
