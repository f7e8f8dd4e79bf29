package soap

import (
	"encoding/xml"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/xmlguard"
	"github.com/fedavail/fedavail/internal/xmlscan"
)

// TestHeaderToken holds HeaderToken to SecurityToken on a decoded message
// where both read, and checks what it refuses before the Body: it never
// reads past the token.
func TestHeaderToken(t *testing.T) {
	const (
		env  = `<s:Envelope xmlns:s="` + ns.SOAP11 + `" xmlns:e="` + ns.XMLEnc + `">`
		tok  = `<e:EncryptedData Id="t"><e:CipherData><e:CipherValue>AAAA</e:CipherValue></e:CipherData></e:EncryptedData>`
		sec  = `<o:Security xmlns:o="` + ns.WSSE + `">`
		tail = `</s:Body></s:Envelope>`
	)
	tokName := xml.Name{Space: ns.XMLEnc, Local: "EncryptedData"}
	tests := []struct {
		name    string
		in      string
		want    xml.Name // empty for no token
		wantErr func(error) bool
	}{
		{name: "token", in: env + `<s:Header><a:To xmlns:a="urn:a">x</a:To>` + sec + tok + `</o:Security></s:Header><s:Body>` + tail, want: tokName},
		{name: "first Security header wins", in: env + `<s:Header>` + sec + tok + `</o:Security>` + sec + `<x:Other xmlns:x="urn:x"/></o:Security></s:Header><s:Body>` + tail, want: tokName},
		{name: "no header", in: env + `<s:Body><x/>` + tail},
		{name: "empty Security", in: env + `<s:Header>` + sec + ` </o:Security></s:Header><s:Body>` + tail},
		{name: "the body is never read", in: env + `<s:Header>` + sec + tok + `</o:Security></s:Header><s:Body><broken>` + strings.Repeat("<", 10), want: tokName},
		{name: "not an envelope", in: `<Envelope/>`, wantErr: isXML},
		{name: "text between header blocks", in: env + `<s:Header>text` + sec + tok + `</o:Security></s:Header><s:Body>` + tail, wantErr: isXML},
		{name: "doctype", in: `<!DOCTYPE s:Envelope>` + env + `<s:Header>` + sec + tok + `</o:Security></s:Header><s:Body>` + tail, wantErr: func(err error) bool { return err == fedavail.ErrDTD }},
		{name: "declarations before the token", in: env + `<s:Header><x:A xmlns:x="urn:x"` + strings.Repeat(` xmlns:p="u"`, 64) + `/>` + sec + tok + `</o:Security></s:Header><s:Body>` + tail, wantErr: isLimit("namespace declarations per element")},
		{name: "attribute before the token", in: env + `<s:Header><x:A xmlns:x="urn:x" v="` + strings.Repeat("v", 64<<10+1) + `"/>` + sec + tok + `</o:Security></s:Header><s:Body>` + tail, wantErr: isLimit("attribute size")},
		{name: "limits past the token are not HeaderToken's", in: env + `<s:Header>` + sec + tok + `</o:Security></s:Header><s:Body><!DOCTYPE x>` + strings.Repeat("<n>", 100) + tail, want: tokName},
		{name: "deep nesting before the token", in: env + `<s:Header><x:A xmlns:x="urn:x">` + strings.Repeat("<n>", 100) + strings.Repeat("</n>", 100) + `</x:A>` + sec + tok + `</o:Security></s:Header><s:Body>` + tail, wantErr: isLimit("nesting depth")},
	}
	r := new(xmlscan.Reader)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := HeaderToken(r, []byte(tt.in), xmlguard.Limits{})
			if tt.wantErr != nil {
				if !tt.wantErr(err) {
					t.Fatalf("err = %T %v, not the error wanted", err, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.want.Local == "" {
				if got != nil {
					t.Fatalf("token %s, want none", got.Raw)
				}
				return
			}
			if got == nil || got.Name != tt.want || string(got.Raw) != tok {
				t.Fatalf("token %+v, want %v %s", got, tt.want, tok)
			}
			if msg, err := Decode([]byte(tt.in), DecodeOptions{}); err == nil {
				want, _ := msg.SecurityToken()
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("(-SecurityToken +HeaderToken):\n%s", diff)
				}
			}
		})
	}
	var le *fedavail.LimitError
	_, err := HeaderToken(r, []byte(tests[len(tests)-1].in), xmlguard.Limits{MaxDepth: 200})
	if errors.As(err, &le) {
		t.Errorf("a higher limit still refused: %v", err)
	}
}
