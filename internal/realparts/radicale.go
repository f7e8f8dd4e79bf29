package realparts

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
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
	logf, err := os.Create(filepath.Join(dir, "radicale.log"))
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(bin,
		"--config", "",
		"--storage-filesystem-folder", filepath.Join(dir, "storage"),
		"--server-hosts", Addr(port),
		"--auth-type", "none",
		"--rights-type", "authenticated",
		"--logging-level", "warning",
	)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		tb.Fatalf("realparts: starting radicale: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	tb.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		logf.Close()
	})
	r := &Radicale{URL: "http://" + Addr(port) + "/", Dir: dir}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodOptions, r.URL, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			return r
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "radicale.log"))
			tb.Fatalf("realparts: radicale exited at start:\n%s", log)
		case <-ctx.Done():
			tb.Fatal("realparts: radicale did not answer within 30s")
		case <-time.After(50 * time.Millisecond):
		}
	}
}
