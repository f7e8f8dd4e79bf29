package soap

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

func TestCallerDo(t *testing.T) {
	okBody := `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><Ping xmlns="urn:test" Count="7"><Text>pong</Text></Ping></s:Body></s:Envelope>`
	var gotReq *http.Request
	var gotBody []byte
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		gotReq = r
		gotBody, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		io.WriteString(w, okBody)
	})
	mux.HandleFunc("/busy", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, ewsBusyFault)
	})
	mux.HandleFunc("/401", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Basic realm="x"`)
		http.Error(w, "no", http.StatusUnauthorized)
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://elsewhere.test/EWS/Exchange.asmx", http.StatusFound)
	})
	mux.HandleFunc("/html500", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "<html>"+strings.Repeat("proxy error ", 500)+"</html>")
	})
	mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, strings.Repeat(" ", 4096))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	c := &Caller{HTTPClient: srv.Client(), UserAgent: "fedavail-test"}
	call := func(path string, v Version) (*Message, *ping, error) {
		var p ping
		msg, err := c.Do(context.Background(), &Call{
			URL: srv.URL + path, Action: "urn:test/Ping",
			Envelope: &Envelope{Version: v, Body: ping{Text: "hi"}},
			Header:   http.Header{"Authorization": {"Bearer secret"}},
			Response: &p, ResponseName: xml.Name{Space: "urn:test", Local: "Ping"},
		})
		return msg, &p, err
	}

	t.Run("success 1.1", func(t *testing.T) {
		_, p, err := call("/ok", V11)
		if err != nil {
			t.Fatal(err)
		}
		if p.Text != "pong" || p.Count != 7 {
			t.Errorf("response = %+v", p)
		}
		if got := gotReq.Header.Get("SOAPAction"); got != `"urn:test/Ping"` {
			t.Errorf("SOAPAction = %q", got)
		}
		if got := gotReq.Header.Get("Content-Type"); got != "text/xml; charset=utf-8" {
			t.Errorf("Content-Type = %q", got)
		}
		if gotReq.Header.Get("Authorization") != "Bearer secret" || gotReq.Header.Get("User-Agent") != "fedavail-test" {
			t.Errorf("headers not passed: %v", gotReq.Header)
		}
		if !strings.Contains(string(gotBody), "<Text>hi</Text>") {
			t.Errorf("request body = %s", gotBody)
		}
	})
	t.Run("success 1.2 carries action in content type", func(t *testing.T) {
		// The server answers 1.1; Do does not force the answer's version.
		if _, _, err := call("/ok", V12); err != nil {
			t.Fatal(err)
		}
		if got := gotReq.Header.Get("Content-Type"); got != `application/soap+xml; charset=utf-8; action="urn:test/Ping"` {
			t.Errorf("Content-Type = %q", got)
		}
		if gotReq.Header.Get("SOAPAction") != "" {
			t.Error("SOAP 1.2 request carries a SOAPAction header")
		}
	})
	t.Run("fault", func(t *testing.T) {
		_, _, err := call("/busy", V11)
		var f *fedavail.Fault
		if !errors.As(err, &f) || f.HTTPStatus != 500 || f.ResponseCode != "ErrorServerBusy" || f.BackOff() == 0 {
			t.Fatalf("err = %#v", err)
		}
	})
	t.Run("401 is an HTTPError, not a fault", func(t *testing.T) {
		_, _, err := call("/401", V11)
		var he *fedavail.HTTPError
		if !errors.As(err, &he) || !errors.Is(err, fedavail.ErrUnauthorized) || errors.Is(err, fedavail.ErrForbidden) {
			t.Fatalf("err = %v", err)
		}
		if he.Header.Get("WWW-Authenticate") == "" {
			t.Error("WWW-Authenticate header not kept")
		}
	})
	t.Run("redirect is returned, not followed", func(t *testing.T) {
		_, _, err := call("/redirect", V11)
		var he *fedavail.HTTPError
		if !errors.As(err, &he) || he.StatusCode != http.StatusFound || he.Header.Get("Location") != "https://elsewhere.test/EWS/Exchange.asmx" {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("non-SOAP error body is truncated", func(t *testing.T) {
		_, _, err := call("/html500", V11)
		var he *fedavail.HTTPError
		if !errors.As(err, &he) || he.StatusCode != http.StatusBadGateway || len(he.Body) != fedavail.MaxErrorBody {
			t.Fatalf("err = %v (body %d bytes)", err, len(he.Body))
		}
		if len(err.Error()) > 400 {
			t.Errorf("error text is %d characters long", len(err.Error()))
		}
	})
	t.Run("answer over the limit", func(t *testing.T) {
		small := &Caller{HTTPClient: srv.Client(), Limits: xmlguard.Limits{MaxBytes: 1024}}
		_, err := small.Do(context.Background(), &Call{URL: srv.URL + "/huge", Envelope: &Envelope{Body: ping{}}})
		if !isLimit("body size")(err) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("canceled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := c.Do(ctx, &Call{URL: srv.URL + "/ok", Envelope: &Envelope{Body: ping{}}})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("no client", func(t *testing.T) {
		_, err := (&Caller{}).Do(context.Background(), &Call{URL: srv.URL, Envelope: &Envelope{}})
		if !errors.Is(err, ErrNoHTTPClient) {
			t.Fatalf("err = %v", err)
		}
	})
	// The caller's client keeps its own redirect policy.
	if srv.Client().CheckRedirect != nil {
		t.Error("Do modified the caller's http.Client")
	}
}

func TestReadRequestAndAction(t *testing.T) {
	env, _ := (&Envelope{Version: V11, Headers: Addressing("urn:wsa-action", "https://x.test/", ""), Body: ping{}}).Marshal()
	tests := []struct {
		name       string
		body       string
		header     http.Header
		limits     xmlguard.Limits
		wantStatus int
		wantAction string
	}{
		{"wsa wins", string(env), http.Header{"Soapaction": {`"urn:header"`}}, xmlguard.Limits{}, 200, "urn:wsa-action"},
		{"SOAPAction header", `<s:Envelope xmlns:s="` + ns.SOAP11 + `"><s:Body/></s:Envelope>`, http.Header{"Soapaction": {`"urn:header"`}}, xmlguard.Limits{}, 200, "urn:header"},
		{"content type action", `<s:Envelope xmlns:s="` + ns.SOAP12 + `"><s:Body/></s:Envelope>`, http.Header{"Content-Type": {`application/soap+xml; charset=utf-8; action="urn:ct"`}}, xmlguard.Limits{}, 200, "urn:ct"},
		{"none", `<s:Envelope xmlns:s="` + ns.SOAP11 + `"><s:Body/></s:Envelope>`, nil, xmlguard.Limits{}, 200, ""},
		{"too large", string(env), nil, xmlguard.Limits{MaxBytes: 64}, http.StatusRequestEntityTooLarge, ""},
		{"malformed", "<s:Envelope", nil, xmlguard.Limits{}, http.StatusBadRequest, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/EWS/Exchange.asmx", strings.NewReader(tc.body))
			for k, v := range tc.header {
				r.Header[k] = v
			}
			msg, status, err := ReadRequest(r, tc.limits)
			if status != tc.wantStatus {
				t.Fatalf("status = %d (%v), want %d", status, err, tc.wantStatus)
			}
			if status != 200 {
				if err == nil {
					t.Fatal("no error with a failure status")
				}
				return
			}
			if got := Action(r, msg); got != tc.wantAction {
				t.Errorf("Action = %q, want %q", got, tc.wantAction)
			}
		})
	}
	if got := ActionName("http://schemas.microsoft.com/exchange/2010/Autodiscover/Autodiscover/GetUserSettings"); got != "GetUserSettings" {
		t.Errorf("ActionName = %q", got)
	}
}

func TestWriteFault(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteFault(rec, V11, &fedavail.Fault{Code: "Client", Reason: "bad request"})
	if rec.Code != 500 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/xml") {
		t.Fatalf("status %d, content type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	_, err := Decode(rec.Body.Bytes(), DecodeOptions{})
	var f *fedavail.Fault
	if !errors.As(err, &f) || f.Code != "Client" || f.Reason != "bad request" {
		t.Fatalf("written fault decodes as %v", err)
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:pw@host.test/path?token=abc": "https://host.test/path",
		"https://host.test/a#frag":                 "https://host.test/a",
		"https://host.test/a@b":                    "https://host.test/a@b",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
