// Package opname names a fedavail request by the step it is, for metrics
// and traces: from its SOAP action (the SOAPAction header, or the action
// parameter of a SOAP 1.2 Content-Type), else from its path. The names come
// from a fixed set, so they are safe as metric labels.
package opname

import (
	"mime"
	"net/http"
	"strings"
)

// operations are the SOAP operations named after themselves.
var operations = map[string]bool{
	"GetUserAvailability": true, "GetServerTimeZones": true,
	"GetFederationInformation": true, "GetUserSettings": true, "GetDomainSettings": true,
}

// Server names a request an answering handler received: one of the
// operations above, else Probe or POX (autodiscover.xml), EWS,
// Autodiscover, or other.
func Server(r *http.Request) string {
	action := strings.Trim(r.Header.Get("SOAPAction"), `"`)
	if action == "" {
		if _, params, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil {
			action = params["action"]
		}
	}
	if i := strings.LastIndexByte(action, '/'); i >= 0 && operations[action[i+1:]] {
		return action[i+1:]
	}
	p := strings.ToLower(r.URL.Path)
	switch {
	case strings.HasSuffix(p, "/autodiscover.xml") && r.Method == http.MethodGet:
		return "Probe"
	case strings.HasSuffix(p, "/autodiscover.xml"):
		return "POX"
	case strings.HasPrefix(p, "/ews/"):
		return "EWS"
	case strings.HasPrefix(p, "/autodiscover/"):
		return "Autodiscover"
	}
	return "other"
}

// Client names a request sent to a partner or a trust broker: Issue for a
// WS-Trust token request, Metadata for federation metadata, else as Server.
func Client(r *http.Request) string {
	switch {
	case strings.Contains(r.Header.Get("SOAPAction")+" "+r.Header.Get("Content-Type"), "/trust/RST/Issue"):
		return "Issue"
	case strings.Contains(strings.ToLower(r.URL.Path), "federationmetadata"):
		return "Metadata"
	}
	return Server(r)
}
