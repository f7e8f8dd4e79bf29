package soap

import (
	"encoding/xml"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
)

// TestDecodeScan covers DecodeOptions.Scan: its result is taken when it
// vouches for it, encoding/xml decodes otherwise, the guard runs first, and
// the body name is still checked.
func TestDecodeScan(t *testing.T) {
	pingName := xml.Name{Space: "urn:test", Local: "Ping"}
	isDTD := func(err error) bool { return errors.Is(err, fedavail.ErrDTD) }
	isNamespace := func(err error) bool { return errors.As(err, new(*fedavail.NamespaceError)) }
	envelope := []byte(`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><Ping xmlns="urn:test" Count="3"><Text>t</Text></Ping></s:Body></s:Envelope>`)
	tests := []struct {
		name     string
		data     []byte
		vouch    bool
		scanName xml.Name
		version  Version
		want     ping
		wantMsg  *Message
		wantErr  func(error) bool // nil for no error
		scanned  bool
	}{
		{
			name: "scan vouches", data: envelope, vouch: true, scanName: pingName,
			want:    ping{Text: "scanned"},
			wantMsg: &Message{Version: V11, Body: Element{Name: pingName}},
			scanned: true,
		},
		{
			name: "scan declines", data: envelope, scanName: pingName,
			want:    ping{XMLName: pingName, Text: "t", Count: 3},
			scanned: true,
		},
		{
			name: "version asked for", data: envelope, vouch: true, scanName: pingName, version: V11,
			want: ping{XMLName: pingName, Text: "t", Count: 3},
		},
		{
			name: "guard first", data: []byte(`<!DOCTYPE x><s:Envelope/>`), vouch: true,
			wantErr: isDTD,
		},
		{
			name: "body name checked", data: envelope, vouch: true, scanName: xml.Name{Space: "urn:other", Local: "Ping"},
			want:    ping{Text: "scanned"},
			wantErr: isNamespace, scanned: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got ping
			scanned := false
			scan := func([]byte) (Version, xml.Name, bool) {
				scanned = true
				if !tt.vouch {
					return 0, xml.Name{}, false
				}
				got.Text = "scanned"
				return V11, tt.scanName, true
			}
			msg, err := Decode(tt.data, DecodeOptions{Body: &got, BodyName: pingName, Version: tt.version, Scan: scan})
			if scanned != tt.scanned {
				t.Errorf("Scan called: %v, want %v", scanned, tt.scanned)
			}
			if tt.wantErr != nil {
				if !tt.wantErr(err) {
					t.Errorf("err = %v, not the error wanted", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			if tt.wantMsg != nil {
				if diff := cmp.Diff(tt.wantMsg, msg); diff != "" {
					t.Errorf("message (-want +got):\n%s", diff)
				}
			}
		})
	}
}
