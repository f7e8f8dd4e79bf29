package caldav

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/xmlguard"
)

// XML namespaces of WebDAV, CalDAV and CalendarServer (getctag).
const (
	nsDAV    = "DAV:"
	nsCalDAV = "urn:ietf:params:xml:ns:caldav"
	nsCS     = "http://calendarserver.org/ns/"
)

// doer is the webdav.HTTPClient every request of one mailbox goes through,
// go-webdav's and ours: it adds the mailbox's credentials, turns non-2xx
// answers into *fedavail.HTTPError, and reads the body through the size cap
// (and, for XML, the DTD and depth checks) before anyone parses it.
type doer struct {
	s       *Source
	mailbox string
}

func (d *doer) Do(req *http.Request) (*http.Response, error) {
	if d.s.cfg.Auth != nil {
		if err := d.s.cfg.Auth(req, d.mailbox); err != nil {
			return nil, fmt.Errorf("caldav: credentials for %s: %w", d.mailbox, err)
		}
	}
	resp, err := d.s.cfg.HTTPClient.Do(req)
	if err != nil {
		var cve *tls.CertificateVerificationError
		if errors.As(err, &cve) {
			return nil, err // a configuration problem, not a passing one
		}
		if req.Context().Err() == nil || errors.Is(req.Context().Err(), context.DeadlineExceeded) {
			// Down, unreachable or too slow: the asker should retry later.
			return nil, &fedavail.UnavailableError{Err: err}
		}
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, fedavail.MaxErrorBody))
		he := &fedavail.HTTPError{
			Method: req.Method, URL: req.URL.Redacted(), StatusCode: resp.StatusCode,
			Status: resp.Status, Header: resp.Header, Body: body,
		}
		if he.StatusCode == http.StatusTooManyRequests || he.StatusCode == http.StatusServiceUnavailable {
			return nil, &fedavail.UnavailableError{RetryAfter: he.RetryAfter(d.s.now()), Err: he}
		}
		return nil, he
	}
	lim := xmlguard.Limits{MaxBytes: d.s.maxResponse()}
	data, err := xmlguard.ReadAll(resp.Body, lim)
	if err != nil {
		return nil, fmt.Errorf("caldav: %s %s: %w", req.Method, req.URL.Redacted(), err)
	}
	if isXML(resp.Header.Get("Content-Type")) {
		if err := xmlguard.Check(data, lim); err != nil {
			return nil, fmt.Errorf("caldav: %s %s: %w", req.Method, req.URL.Redacted(), err)
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(data))
	resp.ContentLength = int64(len(data))
	return resp, nil
}

func mediaType(contentType string) string {
	t, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return t
}

func isXML(contentType string) bool {
	t := mediaType(contentType)
	return t == "application/xml" || t == "text/xml"
}

// ContentTypeError is returned when a server answers with a media type the
// request cannot have produced (an HTML login page instead of a multistatus,
// say).
type ContentTypeError struct {
	// Method and URL name the request.
	Method, URL string
	// Got is the Content-Type received; Want is what was expected.
	Got, Want string
}

func (e *ContentTypeError) Error() string {
	return fmt.Sprintf("caldav: %s %s: answer is %q, want %s", e.Method, e.URL, e.Got, e.Want)
}

// multistatus is the part of a WebDAV multistatus answer this package reads.
type multistatus struct {
	XMLName   xml.Name      `xml:"DAV: multistatus"`
	Responses []davResponse `xml:"DAV: response"`
	// SyncToken is the new token of a sync-collection answer.
	SyncToken string `xml:"DAV: sync-token"`
}

type davResponse struct {
	Href      string     `xml:"DAV: href"`
	Status    string     `xml:"DAV: status"`
	Propstats []propstat `xml:"DAV: propstat"`
}

type propstat struct {
	Status string  `xml:"DAV: status"`
	Prop   davProp `xml:"DAV: prop"`
}

type davProp struct {
	ResourceType *resourceType `xml:"DAV: resourcetype"`
	DisplayName  string        `xml:"DAV: displayname"`
	Transp       *transp       `xml:"urn:ietf:params:xml:ns:caldav schedule-calendar-transp"`
	Components   *struct {
		Comp []struct {
			Name string `xml:"name,attr"`
		} `xml:"urn:ietf:params:xml:ns:caldav comp"`
	} `xml:"urn:ietf:params:xml:ns:caldav supported-calendar-component-set"`
	CTag         string  `xml:"http://calendarserver.org/ns/ getctag"`
	SyncToken    string  `xml:"DAV: sync-token"`
	ETag         string  `xml:"DAV: getetag"`
	CalendarData *string `xml:"urn:ietf:params:xml:ns:caldav calendar-data"`
}

// transp is RFC 6638's schedule-calendar-transp.
type transp struct {
	Transparent *struct{} `xml:"urn:ietf:params:xml:ns:caldav transparent"`
	// Text is the content of servers that keep dead properties as text
	// (Radicale 3.1 stores <C:transparent/> as nothing, the text
	// "transparent" as itself).
	Text string `xml:",chardata"`
}

func (t *transp) isTransparent() bool {
	return t != nil && (t.Transparent != nil || strings.EqualFold(strings.TrimSpace(t.Text), "transparent"))
}

type resourceType struct {
	Collection *struct{} `xml:"DAV: collection"`
	Calendar   *struct{} `xml:"urn:ietf:params:xml:ns:caldav calendar"`
}

func (r *resourceType) isCollection() bool {
	return r != nil && (r.Collection != nil || r.Calendar != nil)
}

// statusOK reports whether a DAV:status line says 200.
func statusOK(s string) bool {
	f := strings.Fields(s)
	return len(f) >= 2 && f[1] == "200"
}

// props merges the properties of a response's 200 propstats.
func (r *davResponse) props() davProp {
	var p davProp
	for _, ps := range r.Propstats {
		if !statusOK(ps.Status) {
			continue
		}
		q := ps.Prop
		if q.ResourceType != nil {
			p.ResourceType = q.ResourceType
		}
		if q.DisplayName != "" {
			p.DisplayName = q.DisplayName
		}
		if q.Transp != nil {
			p.Transp = q.Transp
		}
		if q.Components != nil {
			p.Components = q.Components
		}
		if q.CTag != "" {
			p.CTag = q.CTag
		}
		if q.SyncToken != "" {
			p.SyncToken = q.SyncToken
		}
		if q.ETag != "" {
			p.ETag = q.ETag
		}
		if q.CalendarData != nil {
			p.CalendarData = q.CalendarData
		}
	}
	return p
}

// hrefPath returns the path of an href, resolved against the path of the
// request (base) when relative. Only the path is kept, so a server naming
// another host cannot send this client anywhere else.
func hrefPath(base, href string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(href))
	if err != nil {
		return "", &fedavail.XMLError{Context: "WebDAV href", Err: err}
	}
	p := u.Path
	if p == "" {
		return "", &fedavail.XMLError{Context: "WebDAV href", Err: fmt.Errorf("empty path in %q", href)}
	}
	if !strings.HasPrefix(p, "/") {
		p = path.Join("/", base, p)
	}
	return path.Clean(p), nil
}

// parseMultistatus decodes a multistatus body read by doer (already capped
// and checked).
func parseMultistatus(data []byte) (*multistatus, error) {
	var ms multistatus
	if err := xml.Unmarshal(data, &ms); err != nil {
		return nil, &fedavail.XMLError{Context: "WebDAV multistatus", Err: err}
	}
	return &ms, nil
}

// xmlRequest sends an XML body with method and depth to p on the server
// and returns the decoded multistatus.
func (s *Source) xmlRequest(ctx context.Context, d *doer, method, p, depth, body string) (*multistatus, error) {
	u := s.base.ResolveReference(urlPath(p))
	req, err := http.NewRequestWithContext(ctx, method, u.String(), strings.NewReader(xml.Header+body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", `application/xml; charset="utf-8"`)
	req.Header.Set("Depth", depth)
	resp, err := d.Do(req)
	if err != nil {
		return nil, err
	}
	data, _ := io.ReadAll(resp.Body) // already in memory
	if resp.StatusCode != http.StatusMultiStatus || !isXML(resp.Header.Get("Content-Type")) {
		return nil, &ContentTypeError{Method: method, URL: u.Redacted(), Got: fmt.Sprintf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type")), Want: "207 with an XML multistatus"}
	}
	return parseMultistatus(data)
}

// Request bodies. The CalDAV ones name only what this package reads.
const (
	propfindCalendars = `<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CS="http://calendarserver.org/ns/"><D:prop>` +
		`<D:resourcetype/><D:displayname/><C:supported-calendar-component-set/><C:schedule-calendar-transp/><CS:getctag/><D:sync-token/>` +
		`</D:prop></D:propfind>`
	propfindETags = `<D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/><D:getetag/></D:prop></D:propfind>`
)

// multigetBody asks for the calendar data and ETags of hrefs.
func multigetBody(hrefs []string) string {
	var b strings.Builder
	b.WriteString(`<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/></D:prop>`)
	for _, h := range hrefs {
		b.WriteString("<D:href>")
		xml.EscapeText(&b, []byte((&url.URL{Path: h}).EscapedPath()))
		b.WriteString("</D:href>")
	}
	b.WriteString(`</C:calendar-multiget>`)
	return b.String()
}

func urlPath(p string) *url.URL { return &url.URL{Path: p} }

// syncCollectionBody asks for what changed since token (RFC 6578), with
// the ETags of changed objects.
func syncCollectionBody(token string) string {
	var b strings.Builder
	b.WriteString(`<D:sync-collection xmlns:D="DAV:"><D:sync-token>`)
	xml.EscapeText(&b, []byte(token))
	b.WriteString(`</D:sync-token><D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>`)
	return b.String()
}
