package ews

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// TestTokenHandedOverBeforeTheRest checks where in the one pass the token
// callback runs: with the token (or nil, as soon as there can be none),
// before anything after that point is read. Every envelope here is broken
// right after that point — malformed, a DTD, nesting past the limit — so
// a decode that read on would fail with that instead of the callback's
// refusal.
func TestTokenHandedOverBeforeTheRest(t *testing.T) {
	const (
		env = `<s:Envelope xmlns:s="` + ns.SOAP11 + `" xmlns:e="` + ns.XMLEnc + `">`
		tok = `<e:EncryptedData Id="t"><e:CipherData><e:CipherValue>AAAA</e:CipherValue></e:CipherData></e:EncryptedData>`
		sec = `<o:Security xmlns:o="` + ns.WSSE + `">`
	)
	deep := strings.Repeat("<n>", 100)
	tests := []struct {
		name string
		in   string
		// wantToken is the token's Raw, "" for nil.
		wantToken string
	}{
		{"token after other header blocks", env + `<s:Header><a:To xmlns:a="urn:a">x</a:To>` + sec + tok + `<<<`, tok},
		{"token, then a DTD", env + `<s:Header>` + sec + tok + `<!DOCTYPE x>`, tok},
		{"token, then too deep", env + `<s:Header>` + sec + "\n" + tok + deep, tok},
		{"empty Security", env + `<s:Header>` + sec + ` </o:Security><<<`, ""},
		{"Header without Security", env + `<s:Header><a:To xmlns:a="urn:a">x</a:To></s:Header><<<`, ""},
		{"no Header", env + `<s:Body>` + deep, ""},
		{"first child not a Header", env + `<s:Other>` + deep, ""},
		{"empty Envelope", env + `</s:Envelope><<<`, ""},
	}
	stop := errors.New("refused")
	r := new(requestReader)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			var got *soap.Element
			_, _, err := decodeFederatedRequest(r, []byte(tt.in), xmlguard.Limits{}, func(tok *soap.Element) error {
				calls++
				got = tok
				return stop
			})
			if err != stop || calls != 1 {
				t.Fatalf("err = %v after %d calls, want the callback's refusal after one", err, calls)
			}
			switch {
			case tt.wantToken == "" && got != nil:
				t.Fatalf("token %q, want nil", got.Raw)
			case tt.wantToken != "" && (got == nil || string(got.Raw) != tt.wantToken):
				t.Fatalf("token %+v, want %q", got, tt.wantToken)
			}
			// Without a callback the same bytes are read on, and refused.
			if _, _, err := decodeRequest(r, []byte(tt.in), xmlguard.Limits{}); err == nil {
				t.Fatal("decodeRequest accepts a broken envelope")
			}
		})
	}
}

// TestTokenNotReachedForBrokenHeaders: a header broken before the token
// is refused as malformed, or over a limit, without the callback.
func TestTokenNotReachedForBrokenHeaders(t *testing.T) {
	const (
		env = `<s:Envelope xmlns:s="` + ns.SOAP11 + `" xmlns:e="` + ns.XMLEnc + `">`
		sec = `<o:Security xmlns:o="` + ns.WSSE + `"><e:EncryptedData>AAAA</e:EncryptedData></o:Security>`
	)
	for _, in := range []string{
		`<x/>`,
		env + `<s:Header>text` + sec + `</s:Header><s:Body/></s:Envelope>`,
		env + `<s:Header><a></b>` + sec + `</s:Header><s:Body/></s:Envelope>`,
		env + `<s:Header><a` + strings.Repeat(` xmlns:p="u"`, 65) + `/>` + sec + `</s:Header><s:Body/></s:Envelope>`,
		`<!DOCTYPE x>` + env + `<s:Header>` + sec + `</s:Header><s:Body/></s:Envelope>`,
	} {
		_, _, err := decodeFederatedRequest(new(requestReader), []byte(in), xmlguard.Limits{}, func(*soap.Element) error {
			t.Fatalf("callback called for %q", in)
			return nil
		})
		if err == nil {
			t.Errorf("accepted %q", in)
		}
	}
}

// TestRefusedTokenSkipsTheBody is the handler's side: a federated request
// whose token is refused is answered 401 even when what follows the token
// breaks a limit or is not XML (it is never read); with a good token the
// same request is a malformed one.
func TestRefusedTokenSkipsTheBody(t *testing.T) {
	for _, tail := range []string{
		`</o:Security></s:Header><s:Body><!DOCTYPE x></s:Body></s:Envelope>`,
		`</o:Security></s:Header><s:Body>` + strings.Repeat("<n>", 100) + `</s:Body></s:Envelope>`,
		`<<<`,
	} {
		for _, tc := range []struct {
			token string
			want  int
		}{{badToken, http.StatusUnauthorized}, {goodToken, http.StatusInternalServerError}} {
			ts := newTestServer(t, nil)
			data := `<s:Envelope xmlns:s="` + ns.SOAP11 + `"><s:Header><o:Security xmlns:o="` + ns.WSSE + `">` + tc.token + tail
			rec := httptest.NewRecorder()
			ts.Config.Handler.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/EWS/Exchange.asmx/WSSecurity", bytes.NewReader([]byte(data))))
			if rec.Code != tc.want {
				t.Errorf("token %.40q, then %.40q: status %d, want %d", tc.token, tail, rec.Code, tc.want)
			}
			if tc.want != http.StatusUnauthorized && !strings.Contains(rec.Body.String(), string(ErrorSchemaValidation)) {
				t.Errorf("good token, then %.40q: %s, want ErrorSchemaValidation", tail, rec.Body)
			}
		}
	}
}

// TestWrongOfferTokenDecodesOn: a genuine token of another offer is not a
// refusal of the request's reading: the decode goes on and the operation
// is refused with a fault, as Exchange does.
func TestWrongOfferTokenDecodesOn(t *testing.T) {
	h, err := NewHandler(HandlerConfig{Calendars: testCalendars(), Policy: stubPolicy{}, Tokens: wrongOffer{}})
	if err != nil {
		t.Fatal(err)
	}
	env := soap.Envelope{Version: soap.V11, Headers: []any{soap.Security(soap.V11, []byte(goodToken))}, Body: availability(ViewFreeBusy, "alice@example.com")}
	data, err := env.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/EWS/Exchange.asmx/WSSecurity", bytes.NewReader(data)))
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), string(ErrorAccessDenied)) {
		t.Fatalf("status %d %s, want an ErrorAccessDenied fault", rec.Code, rec.Body)
	}
}

type wrongOffer struct{}

func (wrongOffer) ValidateToken(context.Context, []byte, fedavail.Offer) (*fedavail.Requester, error) {
	return nil, fedavail.ErrWrongOffer
}

// TestHeaderAttrsDoNotShare: the header blocks' attributes share chunks
// (startElement), and an append to one block's cannot reach the next's.
func TestHeaderAttrsDoNotShare(t *testing.T) {
	data, err := os.ReadFile("testdata/request-federated-realsize.xml")
	if err != nil {
		t.Fatal(err)
	}
	msg, _, err := decodeRequest(new(requestReader), data, xmlguard.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(msg.Headers) < 2 || len(msg.Headers[0].Attr) == 0 || len(msg.Headers[1].Attr) == 0 {
		t.Fatalf("want two header blocks with attributes, got %+v", msg.Headers)
	}
	next := msg.Headers[1].Attr[0]
	msg.Headers[0].Attr = append(msg.Headers[0].Attr, xml.Attr{Name: xml.Name{Local: "added"}, Value: "x"})
	if msg.Headers[1].Attr[0] != next {
		t.Fatalf("appending to the first block's attributes changed the second's: %+v", msg.Headers[1].Attr[0])
	}
}

// TestDecodesShareNothing: a decode's message and body live in storage of
// their own (decodedRequest, with room for a usual request's parts), so
// that the next decode by the same pooled reader changes nothing of them,
// and a request with more mailboxes than that room holds gets each its
// own ExcludeConflicts.
func TestDecodesShareNothing(t *testing.T) {
	mailbox := func(addr, exclude string) string {
		return `<t:MailboxData><t:Email><t:Address>` + addr + `</t:Address></t:Email><t:AttendeeType>Required</t:AttendeeType><t:ExcludeConflicts>` + exclude + `</t:ExcludeConflicts></t:MailboxData>`
	}
	request := func(view string, mailboxes ...string) []byte {
		return []byte(`<s:Envelope xmlns:s="` + ns.SOAP11 + `"><s:Header><t:RequestServerVersion xmlns:t="` + TypesNS + `" Version="Exchange2013"/></s:Header><s:Body>` +
			`<m:GetUserAvailabilityRequest xmlns:m="` + MessagesNS + `" xmlns:t="` + TypesNS + `"><t:TimeZone><t:Bias>60</t:Bias></t:TimeZone><m:MailboxDataArray>` + strings.Join(mailboxes, "") +
			`</m:MailboxDataArray><t:FreeBusyViewOptions><t:TimeWindow><t:StartTime>2030-03-11T00:00:00</t:StartTime><t:EndTime>2030-03-12T00:00:00</t:EndTime></t:TimeWindow><t:RequestedView>` + view + `</t:RequestedView></t:FreeBusyViewOptions></m:GetUserAvailabilityRequest></s:Body></s:Envelope>`)
	}
	r := new(requestReader)
	msg1, body1, err := decodeRequest(r, request("FreeBusy", mailbox("a@example.com", "true"), mailbox("b@example.com", "false"), mailbox("c@example.com", "true")), xmlguard.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	first := body1.availability
	want := []struct {
		addr    string
		exclude bool
	}{{"a@example.com", true}, {"b@example.com", false}, {"c@example.com", true}}
	check := func() {
		t.Helper()
		if len(first.MailboxData) != len(want) {
			t.Fatalf("%d mailboxes, want %d", len(first.MailboxData), len(want))
		}
		for i, w := range want {
			m := first.MailboxData[i]
			if m.Email.Address != w.addr || m.ExcludeConflicts == nil || *m.ExcludeConflicts != w.exclude {
				t.Errorf("mailbox %d: %s %v, want %s %v", i, m.Email.Address, m.ExcludeConflicts, w.addr, w.exclude)
			}
		}
		if first.TimeZone == nil || first.TimeZone.Bias != 60 || first.FreeBusyViewOptions == nil || first.FreeBusyViewOptions.RequestedView != "FreeBusy" {
			t.Errorf("time zone %+v, options %+v", first.TimeZone, first.FreeBusyViewOptions)
		}
		if v, _ := msg1.Headers[0].AttrValue("", "Version"); len(msg1.Headers) != 1 || v != "Exchange2013" {
			t.Errorf("headers %+v", msg1.Headers)
		}
	}
	check()
	if _, _, err := decodeRequest(r, request("Detailed", mailbox("z@example.com", "false")), xmlguard.Limits{}); err != nil {
		t.Fatal(err)
	}
	check()
}
