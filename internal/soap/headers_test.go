package soap

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/fedavail/fedavail/internal/ns"
)

// TestHeaderTextFastPath checks that HeaderText reads every header as
// encoding/xml does, whether the plain-text fast path takes it or not.
func TestHeaderTextFastPath(t *testing.T) {
	tests := []struct {
		name, block string
		fast        bool // whether plainText takes it
	}{
		{"plain", `<a:Action xmlns:a="` + ns.WSA + `">http://example/GetUserAvailability</a:Action>`, true},
		{"spaces", `<a:Action xmlns:a="` + ns.WSA + `">` + "\n\t  urn:x \n" + `</a:Action>`, true},
		{"attribute with >", `<a:Action xmlns:a="` + ns.WSA + `" s:mustUnderstand='1>' xmlns:s="urn:s">urn:y</a:Action>`, true},
		{"empty", `<a:Action xmlns:a="` + ns.WSA + `"></a:Action>`, true},
		{"self-closing", `<a:Action xmlns:a="` + ns.WSA + `"/>`, false},
		{"reference", `<a:Action xmlns:a="` + ns.WSA + `">a&amp;b</a:Action>`, false},
		{"comment", `<a:Action xmlns:a="` + ns.WSA + `">a<!-- c -->b</a:Action>`, false},
		{"child", `<a:Action xmlns:a="` + ns.WSA + `">a<x>inner</x>b</a:Action>`, false},
		{"CDATA", `<a:Action xmlns:a="` + ns.WSA + `"><![CDATA[urn:z]]></a:Action>`, false},
		{"carriage return", `<a:Action xmlns:a="` + ns.WSA + `">a` + "\r\n" + `b</a:Action>`, false},
		{"non-ASCII", `<a:Action xmlns:a="` + ns.WSA + `">é</a:Action>`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := `<s:Envelope xmlns:s="` + ns.SOAP11 + `"><s:Header>` + tt.block + `</s:Header><s:Body/></s:Envelope>`
			msg, err := Decode([]byte(env), DecodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			h := msg.Header(ns.WSA, "Action")
			if h == nil {
				t.Fatal("no Action header")
			}
			if _, ok := msg.PlainHeaderText(ns.WSA, "To"); ok {
				t.Error("PlainHeaderText of an absent header is ok")
			}
			var v struct {
				Text string `xml:",chardata"`
			}
			want := ""
			if err := xml.Unmarshal(h.Standalone(), &v); err == nil {
				want = strings.TrimSpace(v.Text)
			}
			if got := msg.HeaderText(ns.WSA, "Action"); got != want {
				t.Errorf("HeaderText = %q, encoding/xml reads %q", got, want)
			}
			if _, fast := plainText(h.Raw); fast != tt.fast {
				t.Errorf("fast path taken = %v, want %v", fast, tt.fast)
			}
			text, ok := msg.PlainHeaderText(ns.WSA, "Action")
			if ok != tt.fast || ok && string(text) != want {
				t.Errorf("PlainHeaderText = %q, %v; want %q, %v", text, ok, want, tt.fast)
			}
		})
	}
}
