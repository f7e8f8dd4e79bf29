package xmlscan

import (
	"encoding/base64"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// The documents below are the handler benchmark's (internal/testorg
// HandlerOverBare) as ews.Client writes and the handler answers them: a
// GetUserAvailability request of 9,480 bytes carrying a broker's 6,357-byte
// encrypted token, and its 2 KB answer. The token's ciphertext is
// stand-in base64 of the same lengths: the scanner cares for its bytes'
// classes, not their meaning.

// benchToken is an xenc:EncryptedData token as a broker mints it.
func benchToken() string {
	rnd := rand.New(rand.NewPCG(1, 2))
	b64 := func(n int) string { // n bytes of base64 text
		raw := make([]byte, n/4*3)
		for i := range raw {
			raw[i] = byte(rnd.Uint32())
		}
		return base64.StdEncoding.EncodeToString(raw)
	}
	return `<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Type="http://www.w3.org/2001/04/xmlenc#Element">` +
		`<xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes256-cbc"/>` +
		`<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><xenc:EncryptedKey>` +
		`<xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"><ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/></xenc:EncryptionMethod>` +
		`<ds:KeyInfo><o:SecurityTokenReference xmlns:o="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">` +
		`<o:KeyIdentifier ValueType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509SubjectKeyIdentifier" EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">6C/+kZpTRgH9NwftK6vTJMjNcRY=</o:KeyIdentifier>` +
		`</o:SecurityTokenReference></ds:KeyInfo>` +
		`<xenc:CipherData><xenc:CipherValue>` + b64(344) + `</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>` +
		`<xenc:CipherData><xenc:CipherValue>` + b64(4908) + `</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>`
}

// benchRequest is the request around token.
func benchRequest(token string) string {
	const types = `xmlns="http://schemas.microsoft.com/exchange/services/2006/types"`
	const addressing = `xmlns:a="http://www.w3.org/2005/08/addressing"`
	const understand = `xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:mustUnderstand="1"`
	zone := `<Bias>0</Bias><Time>00:00:00</Time><DayOrder>0</DayOrder><Month>0</Month><DayOfWeek>Sunday</DayOfWeek>`
	return `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>` +
		`<RequestServerVersion ` + types + ` Version="Exchange2013"></RequestServerVersion>` +
		`<TimeZoneContext ` + types + `><TimeZoneDefinition ` + types + ` Id="UTC" Name="(UTC) Coordinated Universal Time">` +
		`<Periods><Period Bias="PT0M" Name="Standard" Id="trule:Microsoft/Registry/UTC/2030-Standard"></Period></Periods>` +
		`<TransitionsGroups><TransitionsGroup Id="0"><Transition ` + types + `><To Kind="Period">trule:Microsoft/Registry/UTC/2030-Standard</To></Transition></TransitionsGroup></TransitionsGroups>` +
		`<Transitions><Transition ` + types + `><To Kind="Group">0</To></Transition></Transitions></TimeZoneDefinition></TimeZoneContext>` +
		`<t:RequestTypeHeader xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><t:RequestType>CrossForest</t:RequestType></t:RequestTypeHeader>` +
		`<a:MessageID ` + addressing + `>urn:uuid:25e89176-eff4-48bb-b6f9-b567f6d802ff</a:MessageID>` +
		`<a:Action ` + addressing + ` ` + understand + `>http://schemas.microsoft.com/exchange/services/2006/messages/GetUserAvailability</a:Action>` +
		`<a:To ` + addressing + ` ` + understand + `>http://127.0.0.1:37761/EWS/Exchange.asmx/WSSecurity</a:To>` +
		`<a:ReplyTo ` + addressing + `><a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address></a:ReplyTo>` +
		`<o:Security xmlns:o="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" ` + understand + `>` + token + `</o:Security>` +
		`</s:Header><s:Body><GetUserAvailabilityRequest xmlns="http://schemas.microsoft.com/exchange/services/2006/messages">` +
		`<TimeZone ` + types + `><Bias>0</Bias><StandardTime>` + zone + `</StandardTime><DaylightTime>` + zone + `</DaylightTime></TimeZone>` +
		`<MailboxDataArray><MailboxData ` + types + `><Email><Address>alice@contoso.example</Address></Email><AttendeeType>Required</AttendeeType><ExcludeConflicts>false</ExcludeConflicts></MailboxData></MailboxDataArray>` +
		`<FreeBusyViewOptions ` + types + `><TimeWindow><StartTime>2030-03-11T00:00:00</StartTime><EndTime>2030-03-12T00:00:00</EndTime></TimeWindow>` +
		`<MergedFreeBusyIntervalInMinutes>30</MergedFreeBusyIntervalInMinutes><RequestedView>DetailedMerged</RequestedView></FreeBusyViewOptions>` +
		`</GetUserAvailabilityRequest></s:Body></s:Envelope>`
}

// benchAnswer is the handler's answer to benchRequest: three events and
// working hours.
func benchAnswer() string {
	const types = `xmlns="http://schemas.microsoft.com/exchange/services/2006/types"`
	zone := `<Bias>0</Bias><Time>00:00:00</Time><DayOrder>0</DayOrder><Month>0</Month><DayOfWeek>Sunday</DayOfWeek>`
	event := func(from, to, busy string) string {
		return `<CalendarEvent><StartTime>2030-03-11T` + from + `:00:00</StartTime><EndTime>2030-03-11T` + to + `:00:00</EndTime><BusyType>` + busy + `</BusyType></CalendarEvent>`
	}
	return `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>` +
		`<ServerVersionInfo ` + types + ` MajorVersion="15" MinorVersion="1" MajorBuildNumber="2507" MinorBuildNumber="6" Version="V2017_07_11"></ServerVersionInfo></s:Header>` +
		`<s:Body><GetUserAvailabilityResponse xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"><FreeBusyResponseArray><FreeBusyResponse>` +
		`<ResponseMessage ResponseClass="Success"><ResponseCode>NoError</ResponseCode></ResponseMessage><FreeBusyView>` +
		`<FreeBusyViewType ` + types + `>FreeBusyMerged</FreeBusyViewType><MergedFreeBusy ` + types + `>000000000000000000220033000011000000000000000000</MergedFreeBusy>` +
		`<CalendarEventArray ` + types + `>` + event("09", "10", "Busy") + event("11", "12", "OOF") + event("14", "15", "Tentative") + `</CalendarEventArray>` +
		`<WorkingHours ` + types + `><TimeZone><Bias>0</Bias><StandardTime>` + zone + `</StandardTime><DaylightTime>` + zone + `</DaylightTime></TimeZone>` +
		`<WorkingPeriodArray><WorkingPeriod><DayOfWeek>Monday Tuesday Wednesday Thursday Friday</DayOfWeek><StartTimeInMinutes>480</StartTimeInMinutes><EndTimeInMinutes>1020</EndTimeInMinutes></WorkingPeriod></WorkingPeriodArray></WorkingHours>` +
		`</FreeBusyView></FreeBusyResponse></FreeBusyResponseArray></GetUserAvailabilityResponse></s:Body></s:Envelope>`
}

// TestBenchDocuments keeps the benchmarks' documents what they stand for:
// well-formed, of the handler benchmark's sizes, and read alike by the
// Reader and encoding/xml.
func TestBenchDocuments(t *testing.T) {
	tok := benchToken()
	req := benchRequest(tok)
	if len(tok) != 6357 || len(req) != 9480 {
		t.Errorf("token %d bytes, request %d: want the handler benchmark's 6357 and 9480", len(tok), len(req))
	}
	for _, doc := range []string{req, tok, benchRequest(""), benchAnswer()} {
		if _, err := readAll([]byte(doc)); err != nil {
			t.Fatalf("Reader: %v", err)
		}
		checkSameTokens(t, []byte(doc))
	}
}

// BenchmarkReader reads documents to their end with one reused Reader, as
// the handler reads requests: "request" is the whole request, "token" its
// token alone, "soap" the rest (the tag-dense part), "answer" the answer the
// client reads. The /attrs variants also resolve every start tag's
// attributes, as the decoders that copy start tags do.
func BenchmarkReader(b *testing.B) {
	tok := benchToken()
	docs := []struct{ name, doc string }{
		{"request", benchRequest(tok)},
		{"token", tok},
		{"soap", benchRequest("")},
		{"answer", benchAnswer()},
	}
	for _, d := range docs {
		for _, attrs := range []bool{false, true} {
			name := d.name
			if attrs {
				name += "/attrs"
			}
			b.Run(name, func(b *testing.B) { benchRead(b, []byte(d.doc), attrs) })
		}
	}
}

// readThrough reads data to its end with r, resolving every start tag's
// attributes if attrs.
func readThrough(r *Reader, data []byte, attrs bool) error {
	r.Reset(data)
	for {
		k, err := r.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if attrs && k == StartElement {
			_ = r.Attrs()
		}
	}
}

// BenchmarkReaderText reads 10 KB of text of one kind in one element:
// ASCII (a token's base64 is such), Latin text with accents, Japanese,
// with references, with CRLF line ends, and a thousand non-ASCII element
// names: the general paths, which calendars in other languages take.
func BenchmarkReaderText(b *testing.B) {
	for _, c := range []struct{ name, doc string }{
		{"ascii", "<r>" + strings.Repeat("abcdefghij", 1000) + "</r>"},
		{"accents", "<r>" + strings.Repeat("abcdéfghi", 1000) + "</r>"},
		{"japanese", "<r>" + strings.Repeat("会議室の予約", 500) + "</r>"},
		{"references", "<r>" + strings.Repeat("abcd&#233;", 1000) + "</r>"},
		{"crlf", "<r>" + strings.Repeat("abcdefgh\r\n", 1000) + "</r>"},
		{"names", "<r>" + strings.Repeat("<Größe/>", 1000) + "</r>"},
	} {
		b.Run(c.name, func(b *testing.B) { benchRead(b, []byte(c.doc), false) })
	}
}

// benchRead reads data through once an iteration with one Reader, reused as
// a server reuses its pooled Readers (see readThrough).
func benchRead(b *testing.B, data []byte, attrs bool) {
	var r Reader
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := readThrough(&r, data, attrs); err != nil {
			b.Fatal(err)
		}
	}
}
