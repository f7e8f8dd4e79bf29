package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/ews"
	"github.com/fedavail/fedavail/fedtest"
	"github.com/fedavail/fedavail/internal/soap"
	"github.com/fedavail/fedavail/internal/testorg"
	"github.com/fedavail/fedavail/transport"
)

// config is what one run does.
type config struct {
	Duration    time.Duration
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
	mailboxes := addMailboxes(org.Calendars, cfg.Mailboxes)
	bodies, err := requests(org, cfg.Tokens, mailboxes)
	if err != nil {
		return nil, err
	}
	ca, err := fedtest.NewCA()
	if err != nil {
		return nil, err
	}
	cert, err := ca.Issue("127.0.0.1")
	if err != nil {
		return nil, err
	}

	var rep report
	rep.GoroutinesBefore, rep.HeapBefore = snapshot()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := transport.NewServer(org.Handler, transport.ServerConfig{})
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert.TLSCertificate()}, MinVersion: tls.VersionTLS12}
	serveCtx, stopServer := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- transport.Serve(serveCtx, srv, ln, shutdownGrace) }()

	client, err := transport.New(transport.Config{RootCAs: ca.Pool(), Direct: true, MaxConnsPerHost: cfg.Concurrency, MaxIdleConnsPerHost: cfg.Concurrency})
	if err != nil {
		stopServer()
		<-served
		return nil, err
	}
	url := "https://" + ln.Addr().String() + testorg.EWSPath
	drive(ctx, cfg, client, url, bodies, &rep)

	stopServer()
	serveErr := <-served
	client.CloseIdleConnections()
	rep.GoroutinesAfter, rep.HeapAfter = settle(rep.GoroutinesBefore)
	if serveErr != nil {
		return &rep, serveErr
	}
	return &rep, nil
}

// drive sends requests from cfg.Concurrency workers until cfg.Duration has
// passed or ctx ends, and fills in the counts and latencies of rep.
func drive(ctx context.Context, cfg config, client *http.Client, url string, bodies [][]byte, rep *report) {
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
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
			for i := w; ctx.Err() == nil; i += cfg.Concurrency {
				t0 := time.Now()
				err := availability(ctx, client, url, bodies[i%len(bodies)], cfg.Mailboxes)
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

// availability sends one request and checks that every mailbox answered.
func availability(ctx context.Context, client *http.Client, url string, body []byte, mailboxes int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", `"`+ews.ActionGetUserAvailability+`"`)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	var out ews.GetUserAvailabilityResponse
	if _, err := soap.Decode(data, soap.DecodeOptions{Body: &out}); err != nil {
		return err
	}
	if len(out.FreeBusyResponses) != mailboxes {
		return fmt.Errorf("%d answers for %d mailboxes", len(out.FreeBusyResponses), mailboxes)
	}
	for _, r := range out.FreeBusyResponses {
		if r.ResponseMessage == nil || r.ResponseMessage.ResponseCode != ews.NoError {
			return errors.New("a mailbox answered with an error")
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

// requests returns one request per token of the pool: users of the
// AvailabilityOnly partner asking for DetailedMerged free/busy of the week,
// which the policy downgrades.
func requests(org *testorg.Org, tokens int, mailboxes []string) ([][]byte, error) {
	tz := ews.TimeZoneFor(time.UTC, testorg.Day.Year())
	body := ews.GetUserAvailabilityRequest{
		TimeZone: &tz,
		FreeBusyViewOptions: &ews.FreeBusyViewOptions{
			TimeWindow:                      ews.Duration{StartTime: ews.At(testorg.Day), EndTime: ews.At(testorg.Day.Add(5 * 24 * time.Hour))},
			MergedFreeBusyIntervalInMinutes: 30,
			RequestedView:                   ews.ViewDetailedMerged,
		},
	}
	for _, m := range mailboxes {
		body.MailboxData = append(body.MailboxData, ews.MailboxData{Email: ews.EmailAddress{Address: m}, AttendeeType: ews.Required})
	}
	out := make([][]byte, tokens)
	for i := range out {
		user := fmt.Sprintf("user%03d@%s", i, testorg.AvailabilityPartner)
		tok, err := org.Broker.Mint(testorg.Claims(user, fedavail.OfferFreeBusy), org.Keys.Contoso.Cert)
		if err != nil {
			return nil, err
		}
		env := soap.Envelope{Version: soap.V11, Headers: []any{
			soap.RequestServerVersion{Version: string(ews.Exchange2013)},
			soap.Security(soap.V11, tok),
		}, Body: body}
		if out[i], err = env.Marshal(); err != nil {
			return nil, err
		}
	}
	return out, nil
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
