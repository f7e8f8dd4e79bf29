// Package realparts finds and starts the real servers some tests use —
// PostgreSQL, a CalDAV server, an LDAP server, a browser — from the machine's
// Debian packages, on 127.0.0.1 with throw-away data in the test's temporary
// folder, and stops them when the test ends.
//
// The packages are listed in .ci/packages, which .ci/run installs. Outside CI
// a missing program skips the test with the command that installs it; in CI
// (the CI environment variable is set) it fails the test, so CI can never pass
// by skipping.
//
// Each server has its own file (postgres.go, radicale.go, slapd.go,
// chromium.go); this file holds what they share.
package realparts

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/fedavail/fedavail/internal/testshared"
)

func lookPath(program string) string {
	p, err := exec.LookPath(program)
	if err != nil {
		return ""
	}
	return p
}

// Require returns the path of program, looked up in PATH and then in extra
// folders, or skips (fails in CI) naming the Debian package that provides it.
func Require(tb testing.TB, program, debianPackage string, extra ...string) string {
	tb.Helper()
	if p := lookPath(program); p != "" {
		return p
	}
	for _, dir := range extra {
		p := filepath.Join(dir, program)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	testshared.Unavailable(tb, "%s not found: apt-get install -y %s", program, debianPackage)
	return ""
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago, for
// servers that must be told their port on the command line.
func FreePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("realparts: no free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Addr is "127.0.0.1:port".
func Addr(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

// run starts cmd with its output in logFile, stops it when the test ends,
// and returns once addr accepts TCP connections. It fails the test, with
// the log, if the program exits first or does not listen within 30s.
func run(tb testing.TB, name string, cmd *exec.Cmd, logFile, addr string) {
	tb.Helper()
	logf, err := os.Create(logFile)
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		tb.Fatalf("realparts: starting %s: %v", name, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	tb.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		logf.Close()
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(logFile)
			tb.Fatalf("realparts: %s exited at start:\n%s", name, log)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			tb.Fatalf("realparts: %s did not accept connections on %s within 30s", name, addr)
		}
	}
}
