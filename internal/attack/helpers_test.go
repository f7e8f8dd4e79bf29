package attack

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/federation/token"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/pki"
	"github.com/fedavail/fedavail/internal/testorg"
)

// maxBody is the organization's request size limit in these tests: small
// enough that an oversize request is cheap, large enough for a 300 KiB token.
const maxBody = 1 << 20

// newKeys creates the federation's keys once per test binary.
var newKeys = sync.OnceValues(testorg.NewKeys)

func mustKeys(t *testing.T) *testorg.Keys {
	t.Helper()
	k, err := newKeys()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// site is one organization served over TLS on 127.0.0.1, with its logs.
type site struct {
	*testorg.Org
	srv  *httptest.Server
	logs *fedtest.LogBuffer
}

// newSite starts a fresh organization: each case gets its own, so the
// validator's cache, the clock and the logs belong to that case alone.
// tune, if given, changes the organization's configuration first.
func newSite(t *testing.T, tune ...func(*testorg.Config)) *site {
	t.Helper()
	logs := &fedtest.LogBuffer{}
	cfg := testorg.Config{
		Keys:         mustKeys(t),
		Logger:       logs.Logger(),
		MaxBodyBytes: maxBody,
	}
	for _, f := range tune {
		f(&cfg)
	}
	org, err := testorg.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(org.Handler)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return &site{Org: org, srv: srv, logs: logs}
}

// answer is one HTTP answer.
type answer struct {
	status int
	body   []byte
}

func (s *site) post(t *testing.T, path string, body []byte) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	resp, err := s.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: resp.StatusCode, body: data}
}

// endpoint is one federated handler of the organization: its path, the offer
// its tokens need, how a request to it looks and how it refuses a token.
type endpoint struct {
	name  string
	path  string
	offer fedavail.Offer
	// envelope returns a request with security as the wsse:Security
	// content, prolog before the root element and body as the SOAP body
	// ("" for the endpoint's ordinary request).
	envelope func(prolog, security, body string) []byte
	// unauthorized is the exact body of the handler's HTTP 401.
	unauthorized string
}

var endpoints = []endpoint{
	{
		name: "EWS", path: testorg.EWSPath, offer: fedavail.OfferFreeBusy,
		envelope: func(prolog, security, body string) []byte {
			if body == "" {
				body = availabilityBody(ews.ViewDetailed, testorg.Alice)
			}
			return envelope(prolog, `<t:RequestServerVersion xmlns:t="`+ews.TypesNS+`" Version="Exchange2013"/>`, security, body)
		},
		unauthorized: "",
	},
	{
		name: "Autodiscover", path: testorg.AutodiscoverPath, offer: fedavail.OfferAutodiscover,
		envelope: func(prolog, security, body string) []byte {
			if body == "" {
				body = userSettingsBody(testorg.Alice)
			}
			return envelope(prolog, `<a:Action xmlns:a="http://www.w3.org/2005/08/addressing">`+ns.Autodiscover+`/Autodiscover/GetUserSettings</a:Action>`, security, body)
		},
		unauthorized: "unauthorized\n",
	},
}

// onEndpoints runs f as a parallel subtest per endpoint, each against a
// fresh organization.
func onEndpoints(t *testing.T, name string, f func(t *testing.T, s *site, ep endpoint)) {
	t.Helper()
	for _, ep := range endpoints {
		t.Run(ep.name+"/"+name, func(t *testing.T) {
			t.Parallel()
			f(t, newSite(t), ep)
		})
	}
}

// envelope writes a SOAP 1.1 request by hand, so that tests can put what no
// marshaler would write anywhere in it.
func envelope(prolog, header, security, body string) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>`)
	b.WriteString(prolog)
	b.WriteString(`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>`)
	b.WriteString(header)
	if security != "" {
		fmt.Fprintf(&b, `<o:Security xmlns:o="%s" s:mustUnderstand="1">%s</o:Security>`, ns.WSSE, security)
	}
	b.WriteString(`</s:Header><s:Body>`)
	b.WriteString(body)
	b.WriteString(`</s:Body></s:Envelope>`)
	return []byte(b.String())
}

// availabilityBody asks for the free/busy of mailboxes on testorg.Day.
func availabilityBody(view ews.ViewType, mailboxes ...string) string {
	tz := ews.TimeZoneFor(time.UTC, testorg.Day.Year())
	req := ews.GetUserAvailabilityRequest{
		TimeZone: &tz,
		FreeBusyViewOptions: &ews.FreeBusyViewOptions{
			TimeWindow:                      ews.Duration{StartTime: ews.At(testorg.Day), EndTime: ews.At(testorg.Day.Add(24 * time.Hour))},
			MergedFreeBusyIntervalInMinutes: 60,
			RequestedView:                   view,
		},
	}
	return requestBody(req, mailboxes...)
}

// requestBody adds mailboxes as required attendees to req and writes it.
func requestBody(req ews.GetUserAvailabilityRequest, mailboxes ...string) string {
	for _, m := range mailboxes {
		req.MailboxData = append(req.MailboxData, ews.MailboxData{Email: ews.EmailAddress{Address: m}, AttendeeType: ews.Required})
	}
	b, err := xml.Marshal(req)
	if err != nil {
		panic(err) // the request is built from constants
	}
	return string(b)
}

// userSettingsBody asks Autodiscover for the EWS URL and display name of
// mailboxes.
func userSettingsBody(mailboxes ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<GetUserSettingsRequestMessage xmlns="%s"><Request><Users>`, ns.Autodiscover)
	for _, m := range mailboxes {
		b.WriteString(`<User><Mailbox>`)
		_ = xml.EscapeText(&b, []byte(m))
		b.WriteString(`</Mailbox></User>`)
	}
	b.WriteString(`</Users><RequestedSettings><Setting>ExternalEwsUrl</Setting><Setting>UserDisplayName</Setting></RequestedSettings></Request></GetUserSettingsRequestMessage>`)
	return b.String()
}

// mint returns a genuine token from the trusted broker.
func mint(t *testing.T, s *site, c token.Claims, to *x509.Certificate) string {
	t.Helper()
	tok, err := s.Broker.Mint(c, to)
	if err != nil {
		t.Fatal(err)
	}
	return string(tok)
}

// signed returns a genuine signed assertion, parsed, for a case to tamper with.
func signed(t *testing.T, s *site, c token.Claims) *etree.Element {
	t.Helper()
	b, err := s.Broker.Sign(c)
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(b); err != nil {
		t.Fatal(err)
	}
	return doc.Root()
}

func serialize(t *testing.T, el *etree.Element) []byte {
	t.Helper()
	doc := etree.NewDocument()
	doc.SetRoot(el)
	b, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// seal encrypts plaintext (a tampered assertion, or anything else) to cert
// as a broker would, with AES-256-GCM under an RSA-OAEP key: the validator
// decrypts it, so what follows decryption is what is attacked.
func seal(t *testing.T, plaintext []byte, cert *x509.Certificate) string {
	t.Helper()
	key := make([]byte, 32)
	nonce := make([]byte, 12)
	rand.Read(key)
	rand.Read(nonce)
	wrapped, err := rsa.EncryptOAEP(sha1.New(), rand.Reader, cert.PublicKey.(*rsa.PublicKey), key, nil)
	if err != nil {
		t.Fatal(err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	ct := aead.Seal(nonce, nonce, plaintext, nil)
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf(`<xenc:EncryptedData xmlns:xenc="%s" Type="%sElement">`+
		`<xenc:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes256-gcm"/>`+
		`<ds:KeyInfo xmlns:ds="%s"><xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="%srsa-oaep-mgf1p"/>`+
		`<ds:KeyInfo><o:SecurityTokenReference xmlns:o="%s"><o:KeyIdentifier ValueType="%s" EncodingType="%s">%s</o:KeyIdentifier></o:SecurityTokenReference></ds:KeyInfo>`+
		`<xenc:CipherData><xenc:CipherValue>%s</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>`+
		`<xenc:CipherData><xenc:CipherValue>%s</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>`,
		ns.XMLEnc, ns.XMLEnc, ns.DSig, ns.XMLEnc, ns.WSSE, ns.WSSX509SKI, ns.WSSB64,
		b64(pki.SKI(cert)), b64(wrapped), b64(ct))
}

var cipherValue = regexp.MustCompile(`<xenc:CipherValue>([^<]{24})`)

// tokenFragments returns pieces of a token's ciphertexts long enough that
// finding one in a response or a log line means the token leaked.
func tokenFragments(tok string) []string {
	var out []string
	for _, m := range cipherValue.FindAllStringSubmatch(tok, -1) {
		out = append(out, m[1])
	}
	return out
}

// assertNoLeak fails if any of forbidden appears in the answer or the logs.
func assertNoLeak(t *testing.T, s *site, a answer, forbidden []string) {
	t.Helper()
	logs := s.logs.String()
	var inBody, inLogs []string
	for _, f := range forbidden {
		if f == "" {
			continue
		}
		if bytes.Contains(a.body, []byte(f)) {
			inBody = append(inBody, f)
		}
		if strings.Contains(logs, f) {
			inLogs = append(inLogs, f)
		}
	}
	if len(inBody) > 0 {
		t.Errorf("response leaks %q:\n%s", inBody, a.body)
	}
	if len(inLogs) > 0 {
		t.Errorf("log leaks %q:\n%s", inLogs, logs)
	}
}

// without returns all minus the strings of allowed.
func without(all, allowed []string) []string {
	skip := make(map[string]bool, len(allowed))
	for _, a := range allowed {
		skip[a] = true
	}
	var out []string
	for _, s := range all {
		if !skip[s] {
			out = append(out, s)
		}
	}
	return out
}
