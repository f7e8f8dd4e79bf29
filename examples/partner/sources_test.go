package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/fedtest/loopback"
	"github.com/fedavail/fedavail/internal/realparts"
	"github.com/fedavail/fedavail/sharing"
)

// directoryTree is fabrikam's LDAP directory: dana (opted in to show
// details, by an attribute) is in Team, which is in Shared; erin is in no
// group.
const directoryTree = `dn: dc=fabrikam,dc=test
objectClass: dcObject
objectClass: organization
o: Fabrikam
dc: fabrikam

dn: uid=dana,dc=fabrikam,dc=test
objectClass: inetOrgPerson
uid: dana
cn: Dana
sn: Smith
mail: dana@fabrikam.test
description: LimitedDetails

dn: uid=erin,dc=fabrikam,dc=test
objectClass: inetOrgPerson
uid: erin
cn: Erin
sn: Jones
mail: erin@fabrikam.test

dn: cn=Team,dc=fabrikam,dc=test
objectClass: groupOfNames
cn: Team
member: uid=dana,dc=fabrikam,dc=test

dn: cn=Shared,dc=fabrikam,dc=test
objectClass: groupOfNames
cn: Shared
member: cn=Team,dc=fabrikam,dc=test
`

// TestFromCalDAVAndLDAP runs the partner on a real Radicale and a real
// slapd: the calendars of the folder tests, PUT through CalDAV, answer
// exactly as the folder does; the directory says who exists, who is in
// the relationship's scope (a nested group) and who opted in.
func TestFromCalDAVAndLDAP(t *testing.T) {
	t.Parallel()
	rad := radicaleWithCalendars(t)
	dirSrv := realparts.StartSlapd(t, realparts.SlapdOptions{Suffix: "dc=fabrikam,dc=test"})
	dirSrv.Add(t, directoryTree)
	files := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(files, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}

	w := loopback.New(t)
	contoso := w.AddOrg(t, "contoso.test", loopback.OrgOptions{Relationships: []sharing.OrganizationRelationship{{
		Name: "Fabrikam", DomainNames: []string{"fabrikam.test"}, Enabled: true,
		FreeBusyAccessEnabled: true, FreeBusyAccessLevel: fedavail.AccessAvailabilityOnly,
	}}})
	s := startPartner(t, w,
		"-caldav", rad.URL, "-caldav-credentials", write("dav", "fedavail:service-secret\n"), "-caldav-home", "/{local}/",
		"-ldap", dirSrv.URL, "-ldap-base", dirSrv.Suffix, "-ldap-bind", dirSrv.RootDN,
		"-ldap-password-file", write("ldap", dirSrv.RootPW+"\n"), "-ldap-filter", "(objectClass=inetOrgPerson)",
		"-ldap-details-attr", "description",
	)
	client := w.Client(t, contoso)
	ask := func(t *testing.T) map[string][]string {
		t.Helper()
		res, err := client.Availability(context.Background(), federation.Query{
			From: "alice@contoso.test", Attendees: []string{"dana@fabrikam.test", "erin@fabrikam.test", "nobody@fabrikam.test"},
			Start: day, End: dayEnd, View: ews.ViewDetailed,
		})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]string{}
		for _, a := range res.Attendees {
			var me *ews.MailboxError
			switch {
			case errors.As(a.Err, &me):
				got[a.Address] = []string{string(me.ResponseCode)}
			case a.Err != nil:
				got[a.Address] = []string{"error"}
			default:
				got[a.Address] = append([]string{string(a.View)}, subjects(a.Events)...)
			}
		}
		return got
	}

	// The sharing file of the folder tests, which names dana's opt-in: the
	// same answers as TestFederated's, now from CalDAV.
	want := map[string][]string{
		"dana@fabrikam.test":   {"Detailed", "Design review"},
		"erin@fabrikam.test":   {"FreeBusy", ""},
		"nobody@fabrikam.test": {"error"}, // Autodiscover: the directory has no such user
	}
	if d := cmp.Diff(want, ask(t)); d != "" {
		t.Errorf("from CalDAV (-want +got):\n%s", d)
	}

	// A file that leaves the opt-in to the directory and scopes the
	// relationship to the directory group Shared (dana through Team).
	data, err := sharing.FormatJSON(sharing.Config{
		OrganizationRelationships: []sharing.OrganizationRelationship{{
			Name: "Contoso", DomainNames: []string{"contoso.test"}, Enabled: true,
			FreeBusyAccessEnabled: true, FreeBusyAccessLevel: fedavail.AccessLimitedDetails, FreeBusyAccessScope: "Shared",
		}},
		Groups: []sharing.Group{{Name: "Shared"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.setSharing(t, data); err != nil {
		t.Fatalf("reload: %v", err)
	}
	want["erin@fabrikam.test"] = []string{string(ews.ErrorNoFreeBusyAccess)}
	if d := cmp.Diff(want, ask(t)); d != "" {
		t.Errorf("scoped by the directory (-want +got):\n%s", d)
	}
}

// radicaleWithCalendars starts Radicale holding the folder tests' calendars.
func radicaleWithCalendars(t *testing.T) *realparts.Radicale {
	t.Helper()
	rad := realparts.StartRadicale(t)
	for addr, ics := range calendars {
		user := addr[:len(addr)-len("@fabrikam.test")]
		rad.MakeCalendar(t, user, "calendar", false)
		rad.Put(t, user, "calendar", "item", ics)
	}
	return rad
}

// TestCalDAVAnswersAsTheFolder: the same raw EWS request, as a client
// library sends it, gets the same bytes back whether the calendars are
// .ics files or on a CalDAV server.
func TestCalDAVAnswersAsTheFolder(t *testing.T) {
	t.Parallel()
	rad := radicaleWithCalendars(t)
	cred := filepath.Join(t.TempDir(), "dav")
	if err := os.WriteFile(cred, []byte("fedavail:x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fromFolder := postRaw(t, startPartner(t, loopback.New(t)))
	fromCalDAV := postRaw(t, startPartner(t, loopback.New(t), "-caldav", rad.URL, "-caldav-credentials", cred))
	if d := cmp.Diff(fromFolder, fromCalDAV); d != "" {
		t.Errorf("answers differ (-folder +caldav):\n%s", d)
	}
}

// fakeGoogle answers Google's token endpoint and the Calendar API's
// documented JSON for the folder tests' calendars; the mailbox is the
// subject of the service account's JWT, as in Workspace.
func fakeGoogle(t *testing.T) (url string, keyFile []byte) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	items := map[string]string{
		"dana@fabrikam.test": `{"id":"20261130T090000Z@fabrikam.test","summary":"Design review","location":"Room 1","start":{"dateTime":"2026-11-30T09:00:00Z"},"end":{"dateTime":"2026-11-30T10:00:00Z"}}`,
		"erin@fabrikam.test": `{"id":"20261130T140000Z@fabrikam.test","summary":"Dentist","start":{"dateTime":"2026-11-30T14:00:00Z"},"end":{"dateTime":"2026-11-30T15:00:00Z"}}`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/token" {
			r.ParseForm()
			parts := strings.Split(r.PostForm.Get("assertion"), ".")
			payload, _ := base64.RawURLEncoding.DecodeString(parts[len(parts)/2])
			var claims struct{ Sub string }
			json.Unmarshal(payload, &claims)
			fmt.Fprintf(w, `{"access_token":"token-%s","token_type":"Bearer","expires_in":3600}`, claims.Sub)
			return
		}
		user := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer token-")
		item, ok := items[user]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"error":{"code":404,"message":"Not Found"}}`)
			return
		}
		if strings.HasSuffix(r.URL.Path, "/settings/timezone") {
			io.WriteString(w, `{"kind":"calendar#setting","id":"timezone","value":"UTC"}`)
			return
		}
		fmt.Fprintf(w, `{"kind":"calendar#events","timeZone":"UTC","items":[%s]}`, item)
	}))
	t.Cleanup(srv.Close)
	keyFile, _ = json.Marshal(map[string]string{
		"type": "service_account", "client_email": "fedavail@project.iam.gserviceaccount.test", "private_key_id": "1",
		"private_key": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), "token_uri": srv.URL + "/token",
	})
	return srv.URL, keyFile
}

// TestGoogleAnswersAsTheFolder: the same raw EWS request gets the same
// bytes back from Google Workspace (a local fake of its documented API:
// nothing reaches Google) as from the .ics folder.
func TestGoogleAnswersAsTheFolder(t *testing.T) {
	t.Parallel()
	url, key := fakeGoogle(t)
	keyPath := filepath.Join(t.TempDir(), "key.json")
	if err := os.WriteFile(keyPath, key, 0o600); err != nil {
		t.Fatal(err)
	}
	fromFolder := postRaw(t, startPartner(t, loopback.New(t)))
	fromGoogle := postRaw(t, startPartner(t, loopback.New(t), "-google-key", keyPath, "-google-endpoint", url+"/calendar/v3/"))
	if d := cmp.Diff(fromFolder, fromGoogle); d != "" {
		t.Errorf("answers differ (-folder +google):\n%s", d)
	}
	if !strings.Contains(fromGoogle, "Design review") {
		t.Errorf("the answer lacks dana's item:\n%s", fromGoogle)
	}
}
