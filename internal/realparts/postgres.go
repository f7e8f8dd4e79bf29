package realparts

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/fedavail/fedavail/internal/testshared"
)

// Postgres is a throw-away PostgreSQL cluster on 127.0.0.1, started by
// [StartPostgres] and stopped when the test that started it ends.
type Postgres struct {
	// URL connects as the superuser "postgres" (no password: trust
	// authentication on 127.0.0.1) to the database "postgres".
	URL string
	// Port is the TCP port on 127.0.0.1.
	Port int

	bin, dir string
	uid, gid int // the user the server runs as; -1 for the test's own
}

// StartPostgres creates a cluster in a new temporary folder with initdb and
// starts it with pg_ctl on a free port, fsync off (the data is thrown away).
// initdb refuses to run as root, so as root the folder is given to the user
// postgres and the programs run as that user (runuser). The binaries are
// looked up in PATH and /usr/lib/postgresql/*/bin, newest first; missing,
// the test is skipped outside CI and fails in CI.
func StartPostgres(tb testing.TB) *Postgres {
	tb.Helper()
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return versionOf(b) - versionOf(a) })
	initdb := Require(tb, "initdb", "postgresql", dirs...)
	p := &Postgres{bin: filepath.Dir(initdb), uid: -1, gid: -1}
	// Not t.TempDir: its parents are private to this user, and the server
	// may run as another; and the socket path must stay short.
	dir, err := os.MkdirTemp("", "fedavail-pg-")
	if err != nil {
		tb.Fatalf("realparts: postgres folder: %v", err)
	}
	p.dir = dir
	tb.Cleanup(func() { os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			testshared.Unavailable(tb, "realparts: running as root and there is no user postgres to run PostgreSQL as: %v", err)
			return nil
		}
		p.uid, _ = strconv.Atoi(u.Uid)
		p.gid, _ = strconv.Atoi(u.Gid)
		if err := os.Chown(dir, p.uid, p.gid); err != nil {
			tb.Fatalf("realparts: postgres folder: %v", err)
		}
	}
	p.run(tb, "initdb", "-D", p.data(), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
	p.Port = FreePort(tb)
	p.URL = fmt.Sprintf("postgres://postgres@%s/postgres?sslmode=disable", Addr(p.Port))
	p.Start(tb)
	tb.Cleanup(func() {
		// Stopped already by a test of faults is fine.
		_ = p.command("pg_ctl", "-D", p.data(), "-m", "immediate", "-w", "stop").Run()
	})
	return p
}

// Start starts the server (again, after [Postgres.Stop]) on the same port
// and data, and waits until it accepts connections.
func (p *Postgres) Start(tb testing.TB) {
	tb.Helper()
	opts := fmt.Sprintf("-p %d -k %s -h 127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200", p.Port, p.dir)
	p.run(tb, "pg_ctl", "-D", p.data(), "-o", opts, "-l", filepath.Join(p.dir, "log"), "-w", "-t", "120", "start")
}

// Stop stops the server at once (immediate shutdown), as a crash would, for
// tests of what happens while the database is away.
func (p *Postgres) Stop(tb testing.TB) {
	tb.Helper()
	p.run(tb, "pg_ctl", "-D", p.data(), "-m", "immediate", "-w", "stop")
}

func (p *Postgres) data() string { return filepath.Join(p.dir, "data") }

func (p *Postgres) run(tb testing.TB, program string, args ...string) {
	tb.Helper()
	if out, err := p.command(program, args...).CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(p.dir, "log"))
		tb.Fatalf("realparts: %s: %v\n%s\nserver log:\n%s", program, err, out, log)
	}
}

func (p *Postgres) command(program string, args ...string) *exec.Cmd {
	path := filepath.Join(p.bin, program)
	if p.uid < 0 {
		return exec.Command(path, args...)
	}
	return exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
}

// versionOf reads the major version from /usr/lib/postgresql/<n>/bin.
func versionOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}
