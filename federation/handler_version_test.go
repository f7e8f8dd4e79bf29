package federation_test

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/fedavail/fedavail/calendar"
)

// One server, one version: the EWS ServerVersionInfo attributes, the
// Autodiscover ServerVersionInfo elements and the ExternalEwsVersion and
// CasVersion settings name the same build, as on a real Exchange server.
func TestHandlerVersionsAgree(t *testing.T) {
	w := newWorld(t)
	cal := &calendar.Memory{}
	cal.Add("dana@fabrikam.test")
	w.serve(t, fabrikamHandler(t, w, cal, nil), "mail.fabrikam.test", "autodiscover.fabrikam.test")

	post := func(url, body string) string {
		t.Helper()
		req, err := http.NewRequest("POST", url, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "text/xml; charset=utf-8")
		req.SetBasicAuth("erin@fabrikam.test", "secret")
		resp, err := w.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d: %s", url, resp.StatusCode, b)
		}
		return string(b)
	}
	ews := post("https://mail.fabrikam.test/EWS/Exchange.asmx",
		`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">`+
			`<s:Header><t:RequestServerVersion Version="Exchange2013"/></s:Header><s:Body>`+
			`<GetServerTimeZones xmlns="http://schemas.microsoft.com/exchange/services/2006/messages" ReturnFullTimeZoneData="false"><Ids><t:Id>UTC</t:Id></Ids></GetServerTimeZones></s:Body></s:Envelope>`)
	ad := post("https://autodiscover.fabrikam.test/autodiscover/autodiscover.svc",
		`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><GetUserSettingsRequestMessage xmlns="http://schemas.microsoft.com/exchange/2010/Autodiscover">`+
			`<Request><Users><User><Mailbox>dana@fabrikam.test</Mailbox></User></Users><RequestedSettings><Setting>ExternalEwsVersion</Setting><Setting>CasVersion</Setting><Setting>UserDisplayName</Setting></RequestedSettings></Request>`+
			`</GetUserSettingsRequestMessage></s:Body></s:Envelope>`)

	m := regexp.MustCompile(`MajorVersion="(\d+)" MinorVersion="(\d+)" MajorBuildNumber="(\d+)" MinorBuildNumber="(\d+)"`).FindStringSubmatch(ews)
	if m == nil {
		t.Fatalf("no ServerVersionInfo in the EWS answer: %s", ews)
	}
	for _, want := range []string{
		"<MajorVersion>" + m[1] + "</MajorVersion><MinorVersion>" + m[2] + "</MinorVersion><MajorBuildNumber>" + m[3] + "</MajorBuildNumber><MinorBuildNumber>" + m[4] + "</MinorBuildNumber>",
		"<Name>ExternalEwsVersion</Name><Value>15.01.2507.006</Value>",
		"<Name>CasVersion</Name><Value>15.01.2507.006</Value>",
		"<Name>UserDisplayName</Name><Value>dana@fabrikam.test</Value>",
	} {
		if !strings.Contains(ad, want) {
			t.Errorf("Autodiscover answer lacks %s:\n%s", want, ad)
		}
	}
	if got := m[1] + "." + m[2] + "." + m[3] + "." + m[4]; got != "15.1.2507.6" {
		t.Errorf("EWS announces %s, want 15.1.2507.6 (ExternalEwsVersion 15.01.2507.006)", got)
	}
}
