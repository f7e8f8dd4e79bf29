package dnsproof

import (
	"strings"
	"testing"
)

const proofA = "gNqjMetUf19ePnrUysMx762wfS9X8fUTDanGsGO4/WMMw3kTddqw/Wlm9HscQxtp51yZgwsSbSI9Hq4geup+dA=="

func TestMatch(t *testing.T) {
	tests := []struct {
		name    string
		records []string
		want    Expect
		match   string // the record expected back; "" for no match
	}{
		{"proof", []string{"v=spf1 -all", proofA}, Expect{Proofs: []string{proofA}}, proofA},
		{"proof with spaces", []string{"  " + proofA[:40] + " " + proofA[40:] + "\t"}, Expect{Proofs: []string{proofA}}, "  " + proofA[:40] + " " + proofA[40:] + "\t"},
		{"proof pasted with quotes", []string{`"` + proofA + `"`}, Expect{Proofs: []string{proofA}}, `"` + proofA + `"`},
		{"proof is case-sensitive", []string{strings.ToLower(proofA)}, Expect{Proofs: []string{proofA}}, ""},
		{"second expected proof", []string{proofA}, Expect{Proofs: []string{"other==", proofA}}, proofA},
		{"appid", []string{"AppID=0000000040004F5A"}, Expect{AppID: "0000000040004f5a"}, "AppID=0000000040004F5A"},
		{"appid lower-case key and spaces", []string{"appid = 0000000040004F5A"}, Expect{AppID: "0000000040004F5A"}, "appid = 0000000040004F5A"},
		{"appid other", []string{"AppID=1111"}, Expect{AppID: "0000000040004F5A"}, ""},
		{"appid prefix only", []string{"AppID="}, Expect{AppID: "x"}, ""},
		{"appid value must be whole", []string{"AppID=0000000040004F5AFF"}, Expect{AppID: "0000000040004F5A"}, ""},
		{"proof does not match appid", []string{proofA}, Expect{AppID: proofA}, ""},
		{"either form", []string{"AppID=42"}, Expect{AppID: "42", Proofs: []string{proofA}}, "AppID=42"},
		{"no records", nil, Expect{Proofs: []string{proofA}}, ""},
		{"empty expectation", []string{""}, Expect{Proofs: []string{" "}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Match(tt.records, tt.want)
			if ok != (tt.match != "") || got != tt.match {
				t.Errorf("Match = %q, %v; want %q, %v", got, ok, tt.match, tt.match != "")
			}
		})
	}
}

// FuzzMatch checks Match's invariants on arbitrary records: it never panics,
// returns one of the records it was given, and always finds a record that is
// exactly an expected value.
func FuzzMatch(f *testing.F) {
	f.Add(proofA, "AppID=42", "42")
	f.Add(`"`+proofA+`"`, "", "")
	f.Add("appid=", "  ", "x")
	f.Fuzz(func(t *testing.T, rec, proof, appID string) {
		records := []string{rec, "v=spf1 -all"}
		got, ok := Match(records, Expect{AppID: appID, Proofs: []string{proof}})
		if ok && got != rec && got != records[1] {
			t.Fatalf("Match returned %q, not one of the records", got)
		}
		if normalize(proof) != "" {
			if _, ok := Match([]string{proof}, Expect{Proofs: []string{proof}}); !ok {
				t.Fatalf("record %q does not match itself", proof)
			}
		}
	})
}
