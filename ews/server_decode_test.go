package ews

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// referenceBody is the encoding/xml way of reading a request body, which
// decodeRequest replaced; the differential tests hold the two together.
type referenceBody struct {
	availability *GetUserAvailabilityRequest
	timeZones    *GetServerTimeZones
}

func (b *referenceBody) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if start.Name.Space == MessagesNS {
		switch start.Name.Local {
		case "GetUserAvailabilityRequest":
			b.availability = new(GetUserAvailabilityRequest)
			return d.DecodeElement(b.availability, &start)
		case "GetServerTimeZones":
			b.timeZones = new(GetServerTimeZones)
			return d.DecodeElement(b.timeZones, &start)
		}
	}
	return d.Skip()
}

// referenceDecode is soap.Decode with the reference body.
func referenceDecode(data []byte) (*soap.Message, *requestBody, error) {
	var ref referenceBody
	msg, err := soap.Decode(data, soap.DecodeOptions{Body: &ref})
	if err != nil {
		return nil, nil, err
	}
	return msg, &requestBody{availability: ref.availability, timeZones: ref.timeZones}, nil
}

var decodeCmpOpts = cmp.Options{
	cmp.AllowUnexported(requestBody{}),
	cmp.Comparer(func(a, b time.Time) bool {
		_, oa := a.Zone()
		_, ob := b.Zone()
		return a.Equal(b) && oa == ob
	}),
}

// checkSameDecode requires decodeRequest, reading with r, to accept
// exactly what the reference accepts and to produce the same message and
// body. Callers reuse r from document to document, as the handler does.
func checkSameDecode(t *testing.T, r *requestReader, data []byte) {
	t.Helper()
	wantMsg, wantBody, wantErr := referenceDecode(data)
	gotMsg, gotBody, gotErr := decodeRequest(r, data, xmlguard.Limits{})
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("decodeRequest error %v, encoding/xml error %v, for\n%q", gotErr, wantErr, data)
	}
	if gotErr != nil {
		if statusFor(gotErr) != statusFor(wantErr) {
			t.Fatalf("status %d, encoding/xml's %d, for %q", statusFor(gotErr), statusFor(wantErr), data)
		}
		return
	}
	if diff := cmp.Diff(wantMsg, gotMsg, decodeCmpOpts); diff != "" {
		t.Fatalf("message (-encoding/xml +decodeRequest):\n%s\nfor %q", diff, data)
	}
	if diff := cmp.Diff(wantBody, gotBody, decodeCmpOpts); diff != "" {
		t.Fatalf("body (-encoding/xml +decodeRequest):\n%s\nfor %q", diff, data)
	}
	// As the handler reads a federated request: the token is handed over
	// once, mid-decode, and the result is the same.
	var (
		calls  int
		fedTok *soap.Element
	)
	fedMsg, fedBody, err := decodeFederatedRequest(r, data, xmlguard.Limits{}, func(tok *soap.Element) error {
		calls++
		fedTok = tok
		return nil
	})
	if err != nil || calls != 1 {
		t.Fatalf("decodeFederatedRequest: %v, token handed over %d times, for %q", err, calls, data)
	}
	if diff := cmp.Diff(wantMsg, fedMsg, decodeCmpOpts); diff != "" {
		t.Fatalf("message (-encoding/xml +decodeFederatedRequest):\n%s\nfor %q", diff, data)
	}
	if diff := cmp.Diff(wantBody, fedBody, decodeCmpOpts); diff != "" {
		t.Fatalf("body (-encoding/xml +decodeFederatedRequest):\n%s\nfor %q", diff, data)
	}
	// It is the token soap.HeaderToken finds (which Autodiscover uses)…
	headTok, err := soap.HeaderToken(&r.Reader, data, xmlguard.Limits{})
	if err != nil {
		t.Fatalf("HeaderToken error %v on an envelope soap decodes, for %q", err, data)
	}
	if diff := cmp.Diff(headTok, fedTok); diff != "" {
		t.Fatalf("token (-HeaderToken +decodeFederatedRequest):\n%s\nfor %q", diff, data)
	}
	// …and, where the header's first Security block is soap's, the one
	// soap.Message.SecurityToken gives.
	wantTok, wantErr := wantMsg.SecurityToken()
	if wantErr != nil || fedTok == nil {
		return
	}
	if diff := cmp.Diff(wantTok, fedTok); diff != "" {
		t.Fatalf("security token (-soap +decodeFederatedRequest):\n%s\nfor %q", diff, data)
	}
	if !bytes.Equal(wantTok.Standalone(), fedTok.Standalone()) {
		t.Fatalf("standalone token %q from the header, soap's %q", fedTok.Standalone(), wantTok.Standalone())
	}
}

// decodeSeeds are envelopes that probe the corners of both decoders.
func decodeSeeds(t testing.TB) [][]byte {
	const (
		s11   = `xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"`
		tns   = `xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"`
		mns   = `xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"`
		mb    = `<t:MailboxData><t:Email><t:Address>a@example.com</t:Address></t:Email><t:AttendeeType>Required</t:AttendeeType></t:MailboxData>`
		fbo   = `<t:FreeBusyViewOptions><t:TimeWindow><t:StartTime>2024-03-11T00:00:00</t:StartTime><t:EndTime>2024-03-12T00:00:00Z</t:EndTime></t:TimeWindow><t:MergedFreeBusyIntervalInMinutes> 60 </t:MergedFreeBusyIntervalInMinutes><t:RequestedView>FreeBusy</t:RequestedView></t:FreeBusyViewOptions>`
		start = `<s:Envelope ` + s11 + ` ` + tns + ` ` + mns + `><s:Header><t:RequestServerVersion Version="Exchange2013"/></s:Header><s:Body>`
		end   = `</s:Body></s:Envelope>`
	)
	gua := func(inner string) []byte {
		return []byte(start + `<m:GetUserAvailabilityRequest><m:MailboxDataArray>` + mb + `</m:MailboxDataArray>` + inner + `</m:GetUserAvailabilityRequest>` + end)
	}
	seeds := [][]byte{
		gua(fbo),
		gua(fbo + fbo),
		gua(`<t:TimeZone><t:Bias>480</t:Bias><t:StandardTime><t:Bias>0</t:Bias><t:Time>02:00:00</t:Time><t:DayOrder>1</t:DayOrder><t:Month>11</t:Month><t:DayOfWeek>Sunday</t:DayOfWeek></t:StandardTime></t:TimeZone>` + fbo),
		gua(`<t:SuggestionsViewOptions><t:GoodThreshold>25</t:GoodThreshold><t:MinimumSuggestionQuality>Good</t:MinimumSuggestionQuality><t:DetailedSuggestionsWindow><t:StartTime>2024-03-11T00:00:00</t:StartTime><t:EndTime>2024-03-12T00:00:00</t:EndTime></t:DetailedSuggestionsWindow><t:CurrentMeetingTime>2024-03-11T09:00:00+01:00</t:CurrentMeetingTime><t:GlobalObjectId>x</t:GlobalObjectId></t:SuggestionsViewOptions>`),
		gua(`<FreeBusyViewOptions xmlns="urn:other"><TimeWindow/></FreeBusyViewOptions>`),
		gua(`<t:FreeBusyViewOptions><t:MergedFreeBusyIntervalInMinutes>sixty</t:MergedFreeBusyIntervalInMinutes></t:FreeBusyViewOptions>`),
		gua(`<t:FreeBusyViewOptions><t:MergedFreeBusyIntervalInMinutes></t:MergedFreeBusyIntervalInMinutes><t:TimeWindow><t:StartTime>2024-02-30T00:00:00</t:StartTime></t:TimeWindow></t:FreeBusyViewOptions>`),
		gua(`<t:FreeBusyViewOptions><t:RequestedView>Free<!-- c -->Busy<x>ignored</x><![CDATA[&<]]></t:RequestedView></t:FreeBusyViewOptions>`),
		[]byte(start + `<m:GetUserAvailabilityRequest><m:MailboxDataArray><m:MailboxData/></m:MailboxDataArray></m:GetUserAvailabilityRequest>` + end),
		[]byte(start + `<m:GetUserAvailabilityRequest><m:MailboxDataArray>` + strings.Replace(mb, `<t:AttendeeType>`, `<t:ExcludeConflicts> true </t:ExcludeConflicts><t:ExcludeConflicts/><t:AttendeeType>`, 1) + `</m:MailboxDataArray></m:GetUserAvailabilityRequest>` + end),
		[]byte(start + `<m:GetUserAvailabilityRequest><m:MailboxDataArray>` + strings.Replace(mb, `<t:AttendeeType>`, `<t:ExcludeConflicts>maybe</t:ExcludeConflicts><t:AttendeeType>`, 1) + `</m:MailboxDataArray></m:GetUserAvailabilityRequest>` + end),
		[]byte(start + `<m:GetUserAvailabilityRequest><p:MailboxDataArray xmlns:p="urn:p"><p:MailboxData xmlns:p="` + TypesNS + `"/></p:MailboxDataArray></m:GetUserAvailabilityRequest>` + end),
		[]byte(start + `<m:GetUserAvailabilityRequest><m:MailboxDataArray>` + mb + `</m:MailboxDataArray></m:GetUserAvailabilityRequest><m:Extra/>` + end),
		[]byte(start + `<m:GetServerTimeZones ReturnFullTimeZoneData="false"><m:Ids><t:Id>GMT Standard Time</t:Id></m:Ids></m:GetServerTimeZones>` + end),
		[]byte(start + `<m:GetServerTimeZones ReturnFullTimeZoneData="perhaps"/>` + end),
		[]byte(start + `<s:Fault><faultcode>s:Client</faultcode><faultstring>x</faultstring></s:Fault>` + end),
		[]byte(start + `<m:GetUserAvailabilityRequest></m:GetUserAvailabilityRequest></s:Body><s:Body/></s:Envelope>`),
		[]byte(`<s:Envelope ` + s11 + `><s:Body/><s:Header/></s:Envelope>`),
		[]byte(`<s:Envelope ` + s11 + `>text<s:Body/></s:Envelope>`),
		[]byte(`<s:Envelope ` + s11 + `><s:Header>text</s:Header><s:Body/></s:Envelope>`),
		[]byte(`<s:Envelope ` + s11 + `><s:Body/></s:Envelope><more/>`),
		[]byte(`<s:Envelope ` + s11 + `><s:Body/></s:Envelope>trailing`),
		[]byte(`<s:Envelope ` + s11 + `></s:Envelope>`),
		[]byte(`<s:Envelope ` + s11 + `><s:Body></s:Envelope>`),
		[]byte(`<s:Envelope ` + s11 + `><s:Body><a></b></s:Body></s:Envelope>`),
		[]byte(`<s:Envelope ` + s11 + `><s:Body><p:a xmlns:p="urn:1"></q:a></s:Body></s:Envelope>`),
		[]byte(`<s:Envelope ` + s11 + `><s:Body/>`),
		[]byte(`<Envelope xmlns="urn:not-soap"><Body/></Envelope>`),
		[]byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header><x:H xmlns:x="urn:x" s:mustUnderstand="true" xml:lang="en" u:a="1">v</x:H></s:Header><s:Body><m:GetUserAvailabilityRequest ` + mns + `/></s:Body></s:Envelope>`),
		[]byte(`<?xml version="1.0" encoding="utf-8"?><!-- c --><s:Envelope ` + s11 + `><s:Body/></s:Envelope>`),
		[]byte(`<?xml version="1.0" encoding="latin1"?><s:Envelope ` + s11 + `><s:Body/></s:Envelope>`),
		[]byte(`<!DOCTYPE x [<!ENTITY a "b">]><s:Envelope ` + s11 + `><s:Body/></s:Envelope>`),
		[]byte(`<s:Envelope ` + s11 + `><s:Body><m:GetUserAvailabilityRequest xmlns:m="` + MessagesNS + `"><TimeZone xmlns="` + TypesNS + `"><Bias>&#x34;80</Bias></TimeZone></m:GetUserAvailabilityRequest></s:Body></s:Envelope>`),
		[]byte(`<s:Envelope ` + s11 + `><s:Body><m:GetUserAvailabilityRequest xmlns:m="` + MessagesNS + `"><TimeZone xmlns="` + TypesNS + `"><Bias>&bogus;</Bias></TimeZone></m:GetUserAvailabilityRequest></s:Body></s:Envelope>`),
		[]byte("<s:Envelope " + s11 + "><s:Body><m:GetUserAvailabilityRequest xmlns:m=\"" + MessagesNS + "\"><TimeZone xmlns=\"" + TypesNS + "\"><DaylightTime><DayOfWeek>\xff</DayOfWeek></DaylightTime></TimeZone></m:GetUserAvailabilityRequest></s:Body></s:Envelope>"),
	}
	// The tokenizer's corners: entities, line ends, CDATA, comments,
	// declarations, names and attribute syntax.
	body := func(inner string) []byte {
		return []byte(`<s:Envelope ` + s11 + `><s:Body>` + inner + `</s:Body></s:Envelope>`)
	}
	for _, inner := range []string{
		`<a b="&lt;&gt;&amp;&apos;&quot;&#65;&#x42;&#x10FFFF;&#xD800;"/>`,
		`<a b="&#0;"/>`, `<a b="&#x110000;"/>`, `<a b="&#X41;"/>`, `<a b="&#;"/>`, `<a b="&nbsp;"/>`, `<a b="&lt"/>`,
		"<a b=\"x\r\ny\rz\">p\r\nq\rr\r</a>", "<a>\r</a>", "<a>&#13;\n</a>",
		`<a b='single "q"'/>`, `<a b="]]>"/>`, `<a>]]></a>`, `<a>]&#93;></a>`, `<a>]]&gt;</a>`,
		`<a b="<"/>`, `<a b=c/>`, `<a b/>`, `<a b="1"c="2"/>`, `<a b = "1" />`, `<a / >`, `<a/ >`, `< a/>`, `<a></ a>`, `<a></a >`,
		`<a:b:c/>`, `<:a/>`, `<a:/>`, `<:/>`, `<a xmlns:="urn:x"/>`, `<p:a xmlns:p=""/>`, `<xmlns:a/>`, `<xml:a xml:lang="en"/>`, `<xmlns/>`,
		"<\u00e9l\u00e8ve \u00e0=\"1\"/>", "<\u00d7a/>", "<a\u00b7b/>", "<a\u0300/>", "<a>\xc3</a>", "<a b=\"\xff\"/>", "<a>\x01</a>", "<a>\uFFFE</a>",
		`<a><![CDATA[x<y&z]]]]><![CDATA[>]]></a>`, "<a><![CDATA[\r\nq\r]]></a>", `<a><![CDATA[x]]</a>`, `<a><![CDAT[x]]></a>`, `<a><![CDATA[x`,
		`<a><!-- ok - ok --></a>`, `<a><!-- bad -- bad --></a>`, `<a><!----></a>`, `<a><!---></a>`, `<a><!- x --></a>`, `<a><!--`,
		`<a><?pi x?></a>`, `<a><?xml version="1.1"?></a>`, `<a><?xml encoding="UTF-8"?></a>`, `<a><?xml encoding='latin1'?></a>`, `<a><??></a>`, `<a><?pi`,
		`text & more`, `<a>&amp</a>`, `<a>&#x41</a>`,
	} {
		seeds = append(seeds, body(inner))
	}
	// Tokens in wsse:Security, with declarations inherited, redeclared and
	// repeated.
	for _, sec := range []string{
		`<w:Security xmlns:w="` + ns.WSSE + `">` + goodToken + `<x/></w:Security>`,
		`<w:Security xmlns:w="` + ns.WSSE + `" xmlns:xenc="urn:shadow"><!-- c -->text<xenc:EncryptedData xmlns:xenc="` + ns.XMLEnc + `" Id="t">good</xenc:EncryptedData></w:Security>`,
		`<w:Security xmlns:w="` + ns.WSSE + `" xmlns:e="` + ns.XMLEnc + `" xmlns:e="urn:dup" xmlns="urn:d"><e:EncryptedData a="&quot;"><d/></e:EncryptedData></w:Security>`,
		`<w:Security xmlns:w="` + ns.WSSE + `"/>`,
		`<w:Security xmlns:w="` + ns.WSSE + `">only text</w:Security><w:Security xmlns:w="` + ns.WSSE + `">` + goodToken + `</w:Security>`,
	} {
		seeds = append(seeds, []byte(`<s:Envelope `+s11+` xmlns:t="urn:&lt;t&gt;" xmlns="urn:default"><s:Header>`+sec+`</s:Header><s:Body/></s:Envelope>`))
	}
	// The handler's own requests and the wire golden files.
	for _, name := range []string{"wire-request.xml", "wire-getservertimezones.xml"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	for _, v := range []ViewType{ViewMergedOnly, ViewDetailedMerged, ViewNone, "Bogus"} {
		env := soap.Envelope{Version: soap.V11, Headers: []any{requestServerVersion{Version: "Exchange2013"}, soap.Security(soap.V11, []byte(goodToken))}, Body: availability(v, "alice@example.com", "x@example.com")}
		b, err := env.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	return seeds
}

// TestDecodeRequestMatchesEncodingXML is the differential test of the
// hand-written request decoder: same acceptance, same message, same body.
func TestDecodeRequestMatchesEncodingXML(t *testing.T) {
	r := new(requestReader)
	for _, seed := range decodeSeeds(t) {
		checkSameDecode(t, r, seed)
		// Every truncation must be refused by both, or accepted alike.
		for i := range len(seed) {
			checkSameDecode(t, r, seed[:i])
		}
	}
}

// TestDecodeRequestLimits: the reader enforces xmlguard's limits in place
// of Check, with Check's very errors, wherever in the envelope they are
// broken — before the token, in it, after it, in the Body.
func TestDecodeRequestLimits(t *testing.T) {
	const (
		env  = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">`
		sec  = `<o:Security xmlns:o="` + ns.WSSE + `"><e:EncryptedData xmlns:e="` + ns.XMLEnc + `">AAAA</e:EncryptedData></o:Security>`
		body = `<s:Body><x/></s:Body></s:Envelope>`
	)
	deep := strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100)
	huge := `<a b="` + strings.Repeat("x", 70<<10) + `"/>`
	decls := `<a` + strings.Repeat(` xmlns:p="u"`, 65) + `/>`
	for _, tc := range []struct {
		name string
		data string
		l    xmlguard.Limits
	}{
		{"deep body", env + `<s:Body>` + deep + `</s:Body></s:Envelope>`, xmlguard.Limits{}},
		{"huge attribute in the body", env + `<s:Body>` + huge + `</s:Body></s:Envelope>`, xmlguard.Limits{}},
		{"declarations in the body", env + `<s:Body>` + decls + `</s:Body></s:Envelope>`, xmlguard.Limits{}},
		{"DTD in the body", env + `<s:Body><!DOCTYPE x></s:Body></s:Envelope>`, xmlguard.Limits{}},
		{"DTD first", `<!DOCTYPE x [<!ENTITY a "b">]>` + env + body, xmlguard.Limits{}},
		{"deep header before the token", env + `<s:Header><h>` + deep + `</h>` + sec + `</s:Header>` + body, xmlguard.Limits{}},
		{"declarations before the token", env + `<s:Header>` + decls + sec + `</s:Header>` + body, xmlguard.Limits{}},
		{"declarations in scope in the token", env + `<s:Header xmlns:a="1"><o:Security xmlns:o="` + ns.WSSE + `" xmlns:b="2"><e:EncryptedData xmlns:e="` + ns.XMLEnc + `">AAAA</e:EncryptedData></o:Security></s:Header>` + body, xmlguard.Limits{MaxDeclsInScope: 4}},
		{"declarations in the document", env + `<s:Header>` + sec + sec + `</s:Header>` + body, xmlguard.Limits{MaxDecls: 4}},
		{"huge attribute after the token", env + `<s:Header>` + sec + huge + `</s:Header>` + body, xmlguard.Limits{}},
		{"size", env + body, xmlguard.Limits{MaxBytes: 64}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := xmlguard.Check([]byte(tc.data), tc.l)
			if !xmlguard.Refused(want) {
				t.Fatalf("Check = %v, want a limit refusal (the case is wrong)", want)
			}
			_, _, err := decodeRequest(new(requestReader), []byte(tc.data), tc.l)
			if !reflect.DeepEqual(err, want) {
				t.Fatalf("decodeRequest = %#v, Check = %#v", err, want)
			}
			if tc.l == (xmlguard.Limits{}) {
				checkSameDecode(t, new(requestReader), []byte(tc.data))
			}
		})
	}
}

// FuzzServerDecodeRequest holds the hand-written decoder to encoding/xml on any
// input: the same refusals, the same message and body, and no panic.
func FuzzServerDecodeRequest(f *testing.F) {
	for _, s := range decodeSeeds(f) {
		f.Add(s)
	}
	r := new(requestReader) // reused, as the handler reuses its readers
	f.Fuzz(func(t *testing.T, data []byte) {
		checkSameDecode(t, r, data)
	})
}
