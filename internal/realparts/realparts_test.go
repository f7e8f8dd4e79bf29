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
