package autodiscover

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/fedtest"
)

// env is a small internet on loopback: TLS servers for named hosts, plain
// HTTP servers for the redirect method, and a DNS server.
type env struct {
	t    *testing.T
	ca   *fedtest.CA
	dns  *fedtest.DNSServer
	dial map[string]string
}

// closedAddr is a loopback address nothing listens on, so that hosts a test
// does not serve fail fast instead of reaching the real network.
func closedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func newEnv(t *testing.T, domains ...string) *env {
	t.Helper()
	ca, err := fedtest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	dns, err := fedtest.NewDNSServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dns.Close() })
	e := &env{t: t, ca: ca, dns: dns, dial: map[string]string{}}
	closed := closedAddr(t)
	for _, d := range append(domains, "fabrikam.test") {
		for _, h := range []string{d + ":443", "autodiscover." + d + ":443", "autodiscover." + d + ":80"} {
			e.dial[h] = closed
		}
	}
	return e
}

// serveTLS starts an https server for hosts (port 443 for the client).
func (e *env) serveTLS(h http.Handler, hosts ...string) *httptest.Server {
	e.t.Helper()
	s, err := e.ca.NewTLSServer(h, hosts...)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(s.Close)
	for _, host := range hosts {
		e.dial[host+":443"] = s.Listener.Addr().String()
	}
	return s
}

// serveHTTP starts a plain http server for host (port 80 for the client).
func (e *env) serveHTTP(h http.Handler, host string) {
	s := httptest.NewServer(h)
	e.t.Cleanup(s.Close)
	e.dial[host+":80"] = s.Listener.Addr().String()
}

func (e *env) client() *Client {
	return &Client{HTTPClient: e.ca.HTTPClient(e.dial), Resolver: e.dns.Resolver(), CacheTTL: -1}
}

// dir is an in-memory Directory.
type dir struct {
	users   map[string]*User
	domains map[string]Settings
}

func (d *dir) LookupUser(_ context.Context, _ *fedavail.Requester, m string) (*User, error) {
	if u, ok := d.users[strings.ToLower(m)]; ok {
		return u, nil
	}
	return nil, ErrUnknownUser
}

func (d *dir) LookupDomain(_ context.Context, _ *fedavail.Requester, domain string) (Settings, error) {
	if s, ok := d.domains[strings.ToLower(domain)]; ok {
		return s, nil
	}
	return nil, ErrUnknownDomain
}

func testDirectory() *dir {
	return &dir{
		users: map[string]*User{
			"bob@fabrikam.test": {Settings: Settings{
				{Name: UserDisplayName, Value: "Bob Jones"},
				{Name: ExternalEwsURL, Value: "https://mail.fabrikam.test/EWS/Exchange.asmx"},
				{Name: ExternalEwsVersion, Value: "15.01.2507.000"},
				{Name: InternalEwsURL, Value: "https://int.fabrikam.test/EWS/Exchange.asmx"},
				{Name: "ExternalWebClientUrls", WebClientURLs: []WebClientURL{{AuthenticationMethods: "Fba", URL: "https://mail.fabrikam.test/owa/"}}},
				{Name: "AlternateMailboxes", AlternateMailboxes: []AlternateMailbox{{Type: "Archive", DisplayName: "Archive", SMTPAddress: "arch@fabrikam.test"}}},
				{Name: "ExternalImap4Connections", ProtocolConnections: []ProtocolConnection{{EncryptionMethod: "SSL", Hostname: "imap.fabrikam.test", Port: 993}}},
				{Name: "DocumentSharingLocations", DocumentSharingLocations: []DocumentSharingLocation{{ServiceURL: "https://sp.fabrikam.test/_vti_bin", DisplayName: "My Site", SupportedFileExtensions: []string{"docx", "xlsx"}, IsDefault: true}}},
			}},
			// carol has what federation's default directory gives: one EWS URL.
			"carol@fabrikam.test": {Settings: Settings{{Name: ExternalEwsURL, Value: "https://mail.fabrikam.test/EWS/Exchange.asmx"}}},
			"moved@fabrikam.test": {RedirectAddress: "bob@fabrikam.test"},
			"loop1@fabrikam.test": {RedirectAddress: "loop2@fabrikam.test"},
			"loop2@fabrikam.test": {RedirectAddress: "loop1@fabrikam.test"},
		},
		domains: map[string]Settings{
			"fabrikam.test": {{Name: ExternalEwsURL, Value: "https://mail.fabrikam.test/EWS/Exchange.asmx"}, {Name: ExternalEwsVersion, Value: "15.01.2507.000"}},
		},
	}
}

var fabrikamFederation = FederationInformation{
	ApplicationURI: "FYDIBOHF25SPDLT.fabrikam.test",
	Domains:        []string{"fabrikam.test", "sub.fabrikam.test"},
	TokenIssuers:   []TokenIssuer{{URI: "urn:federation:MicrosoftOnline", Endpoint: "https://login.microsoftonline.com/extSTS.srf"}},
}

// basicAuth accepts alice/secret.
func basicAuth(r *http.Request) (*fedavail.Requester, error) {
	u, p, ok := r.BasicAuth()
	if !ok || u != "alice@fabrikam.test" || p != "secret" {
		return nil, errors.New("bad credentials")
	}
	return &fedavail.Requester{Address: u, Domain: "fabrikam.test"}, nil
}

const testToken = `<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#">dG9rZW4=</xenc:EncryptedData>`

// tokenValidator accepts testToken for the Autodiscover offer.
type tokenValidator struct {
	mu     sync.Mutex
	offers []fedavail.Offer
}

func (v *tokenValidator) ValidateToken(_ context.Context, data []byte, offer fedavail.Offer) (*fedavail.Requester, error) {
	v.mu.Lock()
	v.offers = append(v.offers, offer)
	v.mu.Unlock()
	if !strings.Contains(string(data), "dG9rZW4=") || offer != fedavail.OfferAutodiscover {
		return nil, errors.New("invalid token")
	}
	return &fedavail.Requester{Address: "alice@contoso.test", Domain: "contoso.test", Federated: true}, nil
}

// tokenSource hands out testToken and records the requests.
type tokenSource struct {
	mu   sync.Mutex
	reqs []fedavail.TokenRequest
}

func (s *tokenSource) Token(_ context.Context, req fedavail.TokenRequest) (*fedavail.Token, error) {
	s.mu.Lock()
	s.reqs = append(s.reqs, req)
	s.mu.Unlock()
	return &fedavail.Token{EncryptedData: []byte(testToken)}, nil
}

func testHandler() *Handler {
	return &Handler{Federation: fabrikamFederation, Directory: testDirectory(), Validator: &tokenValidator{}, Authenticate: basicAuth}
}

// recorder wraps a handler and keeps what each request carried.
type recorder struct {
	next http.Handler
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	Host, Path, Authorization string
	Body                      []byte
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, recorded{Host: r.Host, Path: r.URL.Path, Authorization: r.Header.Get("Authorization"), Body: body})
	rec.mu.Unlock()
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	if rec.next != nil {
		rec.next.ServeHTTP(w, r)
	}
}

func (rec *recorder) requests() []recorded {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]recorded(nil), rec.reqs...)
}

func basicHeader(u, p string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p))
}

// redirectTo answers every request with a 302 to loc.
func redirectTo(loc string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, loc, http.StatusFound)
	})
}
