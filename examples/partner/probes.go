package main

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/federation/keyring"
)

// Probe paths for a load balancer.
const (
	healthPath = "/healthz" // the process answers
	readyPath  = "/readyz"  // and can serve: broker metadata fresh, configuration loaded
)

// loaded is what the server has loaded, for /readyz and the log: the
// version of its files and the outcome of the last reload.
type loaded struct {
	mu      sync.Mutex
	version string
	at      time.Time
	err     error
}

func (l *loaded) set(version string, at time.Time, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.version, l.at, l.err = version, at, err
}

// version fingerprints the files a reload reads: the sharing file and, with
// -dir, the state directory's files and certificates. They are small (JSON
// and PEM), so their content is hashed, not their times.
func (id *identity) version() string {
	h := sha256.New()
	add := func(path string) {
		data, err := os.ReadFile(path)
		fmt.Fprintf(h, "%s %d %v\n", path, len(data), err != nil)
		h.Write(data)
	}
	add(id.sharingFile)
	if id.org != nil {
		for _, dir := range []string{id.org.Dir(), filepath.Join(id.org.Dir(), "certs")} {
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if e.Type().IsRegular() && filepath.Join(dir, e.Name()) != id.sharingFile {
					add(filepath.Join(dir, e.Name()))
				}
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// withProbes serves the probes beside the federation handler.
func withProbes(h *federation.Handler, id *identity, st *loaded) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", h)
	mux.HandleFunc("GET "+healthPath, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET "+readyPath, func(w http.ResponseWriter, r *http.Request) {
		bs := h.BrokerStatus()
		st.mu.Lock()
		version, at, err := st.version, st.at, st.err
		st.mu.Unlock()

		status := http.StatusOK
		if !bs.Fresh || err != nil {
			status = http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, "broker metadata: fresh %v, fetched %s, issuer %q, %d certificate(s), last error %v\n",
			bs.Fresh, stamp(bs.Fetched), bs.IssuerURI, len(bs.Certificates), bs.Err)
		fmt.Fprintf(w, "configuration: version %s loaded %s, last reload error %v\n", version, stamp(at), err)
		// Every loaded certificate, so a rollover tool can see that a
		// server has the next one before switching to it.
		set := id.keys.Snapshot()
		for _, c := range []struct {
			slot string
			p    *keyring.Pair
		}{{"current", &set.Current}, {"next", set.Next}, {"previous", set.Previous}} {
			if c.p != nil && c.p.Cert != nil {
				fmt.Fprintf(w, "organization certificate %s: %X\n", c.slot, sha1.Sum(c.p.Cert.Raw))
			}
		}
	})
	return mux
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}
