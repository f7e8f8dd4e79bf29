package realparts

import (
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Radicale is a running Radicale CalDAV server.
type Radicale struct {
	// URL is the server's root, http://127.0.0.1:PORT/.
	URL string
	// Dir holds its storage and log.
	Dir string
}

// StartRadicale starts the Debian package's radicale on a free port of
// 127.0.0.1 with storage in a temporary folder, no authentication (any
// password; the Basic user name is the principal) and rights "authenticated"
// (every user may read and write every calendar, so a service account can
// read everyone's), waits until it answers and stops it when the test ends.
func StartRadicale(tb testing.TB) *Radicale {
	tb.Helper()
	bin := Require(tb, "radicale", "radicale")
	dir := tb.TempDir()
	port := FreePort(tb)
	cmd := exec.Command(bin,
		"--config", "",
		"--storage-filesystem-folder", filepath.Join(dir, "storage"),
		"--server-hosts", Addr(port),
		"--auth-type", "none",
		"--rights-type", "authenticated",
		"--logging-level", "warning",
	)
	run(tb, "radicale", cmd, filepath.Join(dir, "radicale.log"), Addr(port))
	return &Radicale{URL: "http://" + Addr(port) + "/", Dir: dir}
}

// do sends one request as user (Radicale takes any password) and fails the
// test unless the answer is 2xx.
func (r *Radicale) do(tb testing.TB, method, path, user, contentType, body string) {
	tb.Helper()
	req, err := http.NewRequest(method, strings.TrimSuffix(r.URL, "/")+path, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.SetBasicAuth(user, "x")
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		tb.Fatalf("realparts: radicale: %s %s: %s", method, path, resp.Status)
	}
}

// MakeCalendar creates user's calendar collection /USER/NAME/ for events.
// Transparent marks it with RFC 6638's schedule-calendar-transp, as text:
// Radicale 3.1 keeps dead properties as their text only, so the standard
// <C:transparent/> element would be stored as nothing.
func (r *Radicale) MakeCalendar(tb testing.TB, user, name string, transparent bool) {
	tb.Helper()
	path := "/" + user + "/" + name + "/"
	r.do(tb, "MKCALENDAR", path, user, "application/xml",
		`<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop><D:displayname>`+name+`</D:displayname>`+
			`<C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>`)
	if transparent {
		r.do(tb, "PROPPATCH", path, user, "application/xml",
			`<D:propertyupdate xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop><C:schedule-calendar-transp>transparent</C:schedule-calendar-transp></D:prop></D:set></D:propertyupdate>`)
	}
}

// Put stores ics (one event UID, as RFC 4791 requires of an object) as
// /USER/CAL/NAME.ics.
func (r *Radicale) Put(tb testing.TB, user, cal, name, ics string) {
	tb.Helper()
	r.do(tb, http.MethodPut, "/"+user+"/"+cal+"/"+name+".ics", user, "text/calendar", ics)
}

// Delete removes the object /USER/CAL/NAME.ics.
func (r *Radicale) Delete(tb testing.TB, user, cal, name string) {
	tb.Helper()
	r.do(tb, http.MethodDelete, "/"+user+"/"+cal+"/"+name+".ics", user, "text/plain", "")
}
