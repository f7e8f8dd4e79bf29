package transport_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail/transport"
)

// serve starts Serve on a loopback listener and returns its address and a
// channel that gets Serve's result.
func serve(t *testing.T, ctx context.Context, srv *http.Server, grace time.Duration) (string, <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- transport.Serve(ctx, srv, ln, grace) }()
	return ln.Addr().String(), done
}

// plainClient is a client of its own: tests never use http.DefaultClient.
func plainClient(t *testing.T) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// waitClosed waits until addr refuses connections, which Shutdown does first.
func waitClosed(t *testing.T, addr string) {
	t.Helper()
	for {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return
		}
		c.Close()
		select {
		case <-t.Context().Done():
			t.Fatal("listener still open")
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func TestServeFinishesInFlightRequests(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	srv := transport.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		io.WriteString(w, "finished")
	}), transport.ServerConfig{})
	ctx, cancel := context.WithCancel(t.Context())
	addr, done := serve(t, ctx, srv, 10*time.Second)

	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := plainClient(t).Get("http://" + addr + "/")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- result{string(b), err}
	}()
	<-entered
	cancel()
	waitClosed(t, addr)
	select {
	case err := <-done:
		t.Fatalf("Serve returned %v while a request was in flight", err)
	default:
	}
	close(release)
	if r := <-got; r.err != nil || r.body != "finished" {
		t.Errorf("in-flight request: %q, %v; want it finished", r.body, r.err)
	}
	if err := <-done; err != nil {
		t.Errorf("Serve = %v, want nil after a graceful shutdown", err)
	}
}

func TestServeGraceExpires(t *testing.T) {
	entered := make(chan struct{})
	srv := transport.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-r.Context().Done() // only the forced close ends it
	}), transport.ServerConfig{})
	ctx, cancel := context.WithCancel(t.Context())
	addr, done := serve(t, ctx, srv, time.Millisecond)
	clientErr := make(chan error, 1)
	go func() {
		resp, err := plainClient(t).Get("http://" + addr + "/")
		if err == nil {
			resp.Body.Close()
		}
		clientErr <- err
	}()
	<-entered
	cancel()
	if err := <-done; !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Serve = %v, want context.DeadlineExceeded", err)
	}
	if err := <-clientErr; err == nil {
		t.Error("the stuck request got a response, want its connection closed")
	}
}

// TestSlowLoris trickles header lines and checks that the header timeout
// closes the connection before the handler ever runs.
func TestSlowLoris(t *testing.T) {
	var calls atomic.Int32
	srv := transport.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { calls.Add(1) }),
		transport.ServerConfig{ReadHeaderTimeout: 100 * time.Millisecond})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	addr, _ := serve(t, ctx, srv, time.Second)

	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	closed := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, c) // ends when the server closes the connection
		close(closed)
	}()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n")
	// A header line every 20 ms, for up to 10 s: the timeout must end it
	// long before.
	cutOff := false
	for i := 0; i < 500 && !cutOff; i++ {
		select {
		case <-closed:
			cutOff = true
		case <-time.After(20 * time.Millisecond):
			if _, err := io.WriteString(c, "X-Slow: 1\r\n"); err != nil {
				cutOff = true
			}
		}
	}
	if !cutOff {
		t.Fatal("headers trickled in for 10 s without being cut off")
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("handler ran %d times for a request whose headers never ended", n)
	}
}

func TestServerLimits(t *testing.T) {
	srv := transport.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				http.Error(w, "too large", http.StatusRequestEntityTooLarge)
				return
			}
		}
	}), transport.ServerConfig{MaxHeaderBytes: 1 << 10, MaxBodyBytes: 1 << 10})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	addr, _ := serve(t, ctx, srv, time.Second)

	tests := []struct {
		name   string
		header string
		body   string
		want   int
	}{
		{"small", "a", "b", http.StatusOK},
		{"large header", strings.Repeat("a", 64<<10), "", http.StatusRequestHeaderFieldsTooLarge},
		{"large body", "a", strings.Repeat("b", 4<<10), http.StatusRequestEntityTooLarge},
	}
	var got, want []int
	for _, tt := range tests {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, "http://"+addr+"/", strings.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Big", tt.header)
		resp, err := plainClient(t).Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		resp.Body.Close()
		got, want = append(got, resp.StatusCode), append(want, tt.want)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("status codes (-want +got):\n%s", diff)
	}
}
