package diag

import (
	"errors"
	"net"
	"strings"
	"testing"
)

// A refused connection names the host and port really tried, never an
// empty "at :", and the fix names that port.
func TestReachProblemDial(t *testing.T) {
	dialErr := func(addr string) error {
		a, _ := net.ResolveTCPAddr("tcp", addr)
		return &net.OpError{Op: "dial", Net: "tcp", Addr: a, Err: errors.New("connection refused")}
	}
	tests := []struct {
		addr      string
		err       error
		cause     string
		fix       string
		notInText string
	}{
		{addr: "https://sts.example:8443/FederationMetadata", err: dialErr("127.0.0.1:8443"),
			cause: "cannot connect to the broker at sts.example:8443", fix: "HTTPS (port 8443)"},
		{addr: "https://sts.example/x", err: dialErr("127.0.0.1:443"), cause: "at sts.example:", fix: "HTTPS (port 443)"},
		{addr: "", err: dialErr("127.0.0.1:9443"), cause: "cannot connect to the broker at 127.0.0.1:9443", fix: "HTTPS (port 9443)", notInText: "at :"},
		{addr: "", err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("refused")}, cause: "cannot connect to the broker: it is down", notInText: " at "},
	}
	for _, tt := range tests {
		p := reachProblem("the broker", tt.addr, tt.err)
		if !strings.Contains(p.cause, tt.cause) || !strings.Contains(p.fix, tt.fix) {
			t.Errorf("reachProblem(%q): cause %q, fix %q; want %q and %q", tt.addr, p.cause, p.fix, tt.cause, tt.fix)
		}
		if tt.notInText != "" && strings.Contains(p.cause, tt.notInText) {
			t.Errorf("reachProblem(%q): cause %q contains %q", tt.addr, p.cause, tt.notInText)
		}
	}
}
