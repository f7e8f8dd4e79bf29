package broker

import (
	"crypto/x509"
	"net/http"

	"github.com/fedavail/fedavail/federation/metadata"
)

// serveMetadata publishes the broker's 2006-12 federation metadata: its issuer
// URI, token endpoint and token-signing certificates: the current one as
// "stscer" and, as "stsbcer", the next one while it is staged, else the
// previous one after a rollover.
func (b *Broker) serveMetadata(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "broker: GET the metadata", http.StatusMethodNotAllowed)
		return
	}
	set := b.cfg.Keys.Snapshot()
	certs := []*x509.Certificate{set.Current.Cert}
	switch {
	case set.Next != nil:
		// Staged, not signing yet: published first, so that receivers (and
		// the broker's other replicas' receivers) know it before any token
		// is signed with it (protocol.md §10.3).
		certs = append(certs, set.Next.Cert)
	case set.Previous != nil:
		certs = append(certs, set.Previous.Cert)
	}
	doc, err := metadata.Render(&metadata.Metadata{
		IssuerURI:        b.cfg.URI,
		Certs:            certs,
		TokenEndpoint:    b.cfg.BaseURL + TokenPath,
		RedirectEndpoint: b.cfg.BaseURL + "/",
	})
	if err != nil {
		http.Error(w, "broker: metadata unavailable", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	_, _ = w.Write(doc)
}
