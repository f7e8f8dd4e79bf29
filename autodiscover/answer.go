package autodiscover

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/ns"
	"github.com/fedavail/fedavail/internal/soap"
)

// ServerVersionInfo is the Exchange build an Autodiscover [Handler] says
// it is. Exchange writes it in the ServerVersionInfo header of every answer
// (Autodiscover/WCF/ServerVersionInfo.cs: the file version's four parts,
// and the schema version name) and, formatted by [ServerVersionInfo.String], as
// the CasVersion and ExternalEwsVersion user settings
// (UserSettingsProvider.cs).
type ServerVersionInfo struct {
	MajorVersion, MinorVersion         int
	MajorBuildNumber, MinorBuildNumber int
	// Version is the schema version name Exchange writes, such as
	// "Exchange2013_SP1" (Exchange 2013 SP1 and later).
	Version string
}

// DefaultServerVersionInfo is Exchange 2016 CU23, 15.1.2507.6: the build
// package ews's handler announces by default, so that a partner sees one
// server. Its Autodiscover schema name is Exchange 2013 SP1's, the last one
// Exchange defines for Autodiscover.
var DefaultServerVersionInfo = ServerVersionInfo{MajorVersion: 15, MinorVersion: 1, MajorBuildNumber: 2507, MinorBuildNumber: 6, Version: "Exchange2013_SP1"}

// String formats v as Exchange writes CasVersion and ExternalEwsVersion:
// "15.01.2507.006".
func (v ServerVersionInfo) String() string {
	return fmt.Sprintf("%d.%02d.%04d.%03d", v.MajorVersion, v.MinorVersion, v.MajorBuildNumber, v.MinorBuildNumber)
}

// ewsSupportedSchemas is the EwsSupportedSchemas value Exchange 2013 SP1
// and later answer (UserSettingsProvider.cs).
const ewsSupportedSchemas = "Exchange2007, Exchange2007_SP1, Exchange2010, Exchange2010_SP1, Exchange2010_SP2, Exchange2013, Exchange2013_SP1"

func (h *Handler) serverVersion() ServerVersionInfo {
	if h.ServerVersion == (ServerVersionInfo{}) {
		return DefaultServerVersionInfo
	}
	return h.ServerVersion
}

// serverSettings adds to a user's settings those that describe this server
// rather than the user, as Exchange answers them for every user, unless the
// directory gave its own: CasVersion, EwsSupportedSchemas, and
// ExternalEwsVersion beside an ExternalEwsUrl.
func (h *Handler) serverSettings(ss Settings) Settings {
	v := h.serverVersion().String()
	add := func(name, value string) {
		if _, ok := ss.Lookup(name); !ok {
			ss = append(ss, Setting{Name: name, Value: value})
		}
	}
	ss = append(Settings(nil), ss...) // never the directory's own slice
	add(CasVersion, v)
	add(EwsSupportedSchemas, ewsSupportedSchemas)
	if _, ok := ss.Lookup(ExternalEwsURL); ok {
		add(ExternalEwsVersion, v)
	}
	return ss
}

// maxRelatesTo bounds the wsa:MessageID echoed as wsa:RelatesTo; a WCF
// client's is a 45-byte "urn:uuid:…".
const maxRelatesTo = 1024

// writeSOAP writes an answer as Exchange's WCF service does: wsa:Action,
// wsa:RelatesTo naming the request's wsa:MessageID when it had one, and
// ServerVersionInfo.
func (h *Handler) writeSOAP(w http.ResponseWriter, req *soap.Message, op string, body any) {
	v := req.Version
	var hdr bytes.Buffer
	fmt.Fprintf(&hdr, `<a:Action xmlns:a="%s" s:mustUnderstand="1">%s%sResponse</a:Action>`, ns.WSA, actionPrefix, op)
	if id := req.HeaderText(ns.WSA, "MessageID"); id != "" && len(id) <= maxRelatesTo {
		fmt.Fprintf(&hdr, `<a:RelatesTo xmlns:a="%s">`, ns.WSA)
		_ = xml.EscapeText(&hdr, []byte(id))
		hdr.WriteString(`</a:RelatesTo>`)
	}
	sv := h.serverVersion()
	info := serverVersionInfo{
		MajorVersion: sv.MajorVersion, MinorVersion: sv.MinorVersion,
		MajorBuildNumber: sv.MajorBuildNumber, MinorBuildNumber: sv.MinorBuildNumber,
		Version: sv.Version,
	}
	env := &soap.Envelope{Version: v, Headers: []any{soap.RawXML(hdr.String()), info}, Body: body}
	data, err := env.Marshal()
	if err != nil {
		soap.WriteFault(w, v, &fedavail.Fault{Reason: "internal error"})
		return
	}
	w.Header().Set("Content-Type", v.ContentType(""))
	_, _ = w.Write(data)
}
