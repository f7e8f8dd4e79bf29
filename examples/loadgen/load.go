package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/internal/testorg"
	"github.com/fedavail/fedavail/transport"
)

// config is what one run does.
type config struct {
	// Duration bounds the run in time; Requests, when not zero, in count
	// instead (the run then ends after that many answers, however long it
	// takes, which is what a test on a loaded machine needs).
	Duration    time.Duration
	Requests    int
	Concurrency int
	Mailboxes   int
	Tokens      int
}

// report is what one run measured.
type report struct {
	Requests, Errors int
	// FirstError is the first error's text, for the operator.
	FirstError string
	Elapsed    time.Duration
	P50, P99   time.Duration
	// Goroutines and heap in use (after a GC) before the server started
	// and after it shut down.
	GoroutinesBefore, GoroutinesAfter int
	HeapBefore, HeapAfter             uint64
}

func (r *report) print(w io.Writer, cfg config) {
	fmt.Fprintf(w, "%d requests (%d mailboxes each) from %d workers in %v: %.0f requests/s\n",
		r.Requests, cfg.Mailboxes, cfg.Concurrency, r.Elapsed.Round(time.Millisecond), float64(r.Requests)/r.Elapsed.Seconds())
	fmt.Fprintf(w, "latency p50 %v, p99 %v\n", r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond))
	fmt.Fprintf(w, "errors %d", r.Errors)
	if r.FirstError != "" {
		fmt.Fprintf(w, " (first: %s)", r.FirstError)
	}
	fmt.Fprintf(w, "\ngoroutines %d before, %d after\n", r.GoroutinesBefore, r.GoroutinesAfter)
	fmt.Fprintf(w, "heap in use %.1f MiB before, %.1f MiB after\n", float64(r.HeapBefore)/(1<<20), float64(r.HeapAfter)/(1<<20))
}

// shutdownGrace is how long in-flight requests get when the run ends.
const shutdownGrace = 5 * time.Second

// run sets up the organization, drives it for cfg.Duration (or until ctx
// ends) and reports. Setup failures are errors; failed requests are counted.
func run(ctx context.Context, cfg config) (*report, error) {
	keys, err := testorg.NewKeys()
	if err != nil {
		return nil, err
	}
	org, err := testorg.New(testorg.Config{Keys: keys})
	if err != nil {
		return nil, err
	}
	req := weekRequest(addMailboxes(org.Calendars, cfg.Mailboxes))
	ca, err := fedtest.NewCA()
	if err != nil {
		return nil, err
	}
	cert, err := ca.Issue("127.0.0.1")
	if err != nil {
		return nil, err
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	httpClient, err := transport.New(transport.Config{RootCAs: ca.Pool(), Direct: true, MaxConnsPerHost: cfg.Concurrency, MaxIdleConnsPerHost: cfg.Concurrency})
	if err != nil {
		ln.Close()
		return nil, err
	}
	pool, err := clients(org, cfg.Tokens, httpClient, "https://"+ln.Addr().String()+"/EWS/Exchange.asmx")
	if err != nil {
		ln.Close()
		return nil, err
	}

	var rep report
	rep.GoroutinesBefore, rep.HeapBefore = snapshot()
	srv := transport.NewServer(org.Handler, transport.ServerConfig{})
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert.TLSCertificate()}, MinVersion: tls.VersionTLS12}
	serveCtx, stopServer := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- transport.Serve(serveCtx, srv, ln, shutdownGrace) }()
	drive(ctx, cfg, pool, req, &rep)
	stopServer()
	serveErr := <-served
	httpClient.CloseIdleConnections()
	rep.GoroutinesAfter, rep.HeapAfter = settle(rep.GoroutinesBefore)
	return &rep, serveErr
}

// drive sends requests from cfg.Concurrency workers until cfg.Duration has
// passed (or cfg.Requests were sent) or ctx ends, and fills in the counts and
// latencies of rep.
func drive(ctx context.Context, cfg config, pool []*ews.Client, req *ews.AvailabilityRequest, rep *report) {
	var cancel context.CancelFunc
	if cfg.Requests > 0 {
		ctx, cancel = context.WithCancel(ctx)
	} else {
		ctx, cancel = context.WithTimeout(ctx, cfg.Duration)
	}
	defer cancel()
	var sent atomic.Int64
	more := func() bool {
		return ctx.Err() == nil && (cfg.Requests == 0 || sent.Add(1) <= int64(cfg.Requests))
	}
	var (
		mu        sync.Mutex
		latencies []time.Duration
		wg        sync.WaitGroup
	)
	start := time.Now()
	for w := range cfg.Concurrency {
		wg.Go(func() {
			var own []time.Duration
			var errs int
			var first error
			for i := w; more(); i += cfg.Concurrency {
				t0 := time.Now()
				err := availability(ctx, pool[i%len(pool)], req)
				if ctx.Err() != nil {
					break // cut off by the end of the run, not a failure
				}
				own = append(own, time.Since(t0))
				if err != nil {
					errs++
					if first == nil {
						first = err
					}
				}
			}
			mu.Lock()
			defer mu.Unlock()
			latencies = append(latencies, own...)
			rep.Errors += errs
			if first != nil && rep.FirstError == "" {
				rep.FirstError = first.Error()
			}
		})
	}
	wg.Wait()
	rep.Elapsed = time.Since(start)
	rep.Requests = len(latencies)
	slices.Sort(latencies)
	rep.P50, rep.P99 = percentile(latencies, 50), percentile(latencies, 99)
}

func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[(len(sorted)-1)*p/100]
}

// availability asks for one request's free/busy and checks that every
// mailbox answered.
func availability(ctx context.Context, c *ews.Client, req *ews.AvailabilityRequest) error {
	res, err := c.GetUserAvailability(ctx, req)
	if err != nil {
		return err
	}
	if len(res.Mailboxes) != len(req.Mailboxes) {
		return fmt.Errorf("%d answers for %d mailboxes", len(res.Mailboxes), len(req.Mailboxes))
	}
	for _, m := range res.Mailboxes {
		if m.Err != nil {
			return m.Err
		}
	}
	return nil
}

// addMailboxes gives the organization n more mailboxes with a working
// week of items and returns their addresses.
func addMailboxes(m *calendar.Memory, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("load%03d@%s", i, testorg.Domain)
		m.SetWorkingHours(out[i], calendar.DefaultWorkingHours(time.UTC))
		for d := range 5 {
			for h := 9; h < 17; h += 2 {
				start := testorg.Day.Add(time.Duration(24*d+h) * time.Hour)
				m.Add(out[i], calendar.Event{Start: start, End: start.Add(time.Hour), BusyType: calendar.Busy, Subject: "load", ID: fmt.Sprintf("%d-%d-%d", i, d, h)})
			}
		}
	}
	return out
}

// clients returns one ews.Client per token of the pool, each for a user of
// the AvailabilityOnly partner with a token minted once, as a partner's
// token cache would hand it out for minutes.
func clients(org *testorg.Org, tokens int, httpClient *http.Client, url string) ([]*ews.Client, error) {
	out := make([]*ews.Client, tokens)
	for i := range out {
		user := fmt.Sprintf("user%03d@%s", i, testorg.AvailabilityPartner)
		data, err := org.Broker.Mint(testorg.Claims(user, fedavail.OfferFreeBusy), org.Keys.Contoso.Cert)
		if err != nil {
			return nil, err
		}
		tok := &fedavail.Token{EncryptedData: data}
		out[i] = &ews.Client{
			URL:        url,
			HTTPClient: httpClient,
			Version:    ews.Exchange2013,
			Auth: ews.FederatedAuth{
				Tokens: fedavail.TokenSourceFunc(func(context.Context, fedavail.TokenRequest) (*fedavail.Token, error) {
					return tok, nil
				}),
				Audience:  testorg.ApplicationURI,
				Requester: user,
			},
		}
	}
	return out, nil
}

// weekRequest asks for the DetailedMerged free/busy of mailboxes for the
// test week, which the policy downgrades for the AvailabilityOnly partner.
func weekRequest(mailboxes []string) *ews.AvailabilityRequest {
	req := &ews.AvailabilityRequest{
		Start:    testorg.Day,
		End:      testorg.Day.Add(5 * 24 * time.Hour),
		FreeBusy: &ews.FreeBusyOptions{View: ews.ViewDetailedMerged},
	}
	for _, m := range mailboxes {
		req.Mailboxes = append(req.Mailboxes, ews.Mailbox{Address: m})
	}
	return req
}

// snapshot returns the goroutine count and the heap in use after a GC.
func snapshot() (int, uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return runtime.NumGoroutine(), ms.HeapInuse
}

// settle waits, a bounded number of times, for goroutines of closed
// connections to exit, then takes a snapshot.
func settle(target int) (int, uint64) {
	for range 100 {
		if runtime.NumGoroutine() <= target {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	return snapshot()
}
