package realparts

import (
	"net"
	"testing"
)

func TestFreePortIsBindable(t *testing.T) {
	port := FreePort(t)
	l, err := net.Listen("tcp", Addr(port))
	if err != nil {
		t.Fatalf("port %d from FreePort cannot be bound: %v", port, err)
	}
	l.Close()
}

func TestRequireFindsAProgramInPath(t *testing.T) {
	if p := Require(t, "sh", "dash"); p == "" {
		t.Fatal("Require returned no path for sh")
	}
}

func TestPostgresStartsStopsAndRestarts(t *testing.T) {
	pg := StartPostgres(t)
	dial := func() error {
		c, err := net.Dial("tcp", Addr(pg.Port))
		if err == nil {
			c.Close()
		}
		return err
	}
	if err := dial(); err != nil {
		t.Fatalf("no server on %d: %v", pg.Port, err)
	}
	pg.Stop(t)
	if dial() == nil {
		t.Fatal("server still accepts connections after Stop")
	}
	pg.Start(t)
	if err := dial(); err != nil {
		t.Fatalf("no server after Start: %v", err)
	}
}
