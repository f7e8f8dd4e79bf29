package caldav

import (
	"errors"
	"testing"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// FuzzMultistatus: what the doer lets through is decoded into a
// multistatus or refused with *fedavail.XMLError; hrefs give a clean path
// or an *fedavail.XMLError.
func FuzzMultistatus(f *testing.F) {
	f.Add([]byte(`<D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:response><D:href>/a/b/</D:href><D:propstat><D:prop><D:resourcetype><C:calendar/></D:resourcetype><C:schedule-calendar-transp><C:transparent/></C:schedule-calendar-transp></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>`))
	f.Add([]byte(`<D:multistatus xmlns:D="DAV:"><D:response><D:href>http://x/../../etc</D:href></D:response></D:multistatus>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if xmlguard.Check(data, xmlguard.Limits{}) != nil {
			return
		}
		ms, err := parseMultistatus(data)
		if err != nil {
			var xe *fedavail.XMLError
			if !errors.As(err, &xe) {
				t.Fatalf("error %v (%T) is not a *fedavail.XMLError", err, err)
			}
			return
		}
		for i := range ms.Responses {
			r := &ms.Responses[i]
			_ = r.props()
			p, err := hrefPath("/base/", r.Href)
			if err != nil {
				var xe *fedavail.XMLError
				if !errors.As(err, &xe) {
					t.Fatalf("href error %v (%T) is not a *fedavail.XMLError", err, err)
				}
				continue
			}
			if p == "" || p[0] != '/' {
				t.Fatalf("href %q gave path %q", r.Href, p)
			}
		}
	})
}
