package ews

import (
	"context"
	"encoding/xml"
	"fmt"
	"sync"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/winzones"
)

var getUserAvailabilityResponseName = xml.Name{Space: MessagesNS, Local: "GetUserAvailabilityResponse"}

// GetUserAvailability asks for the free/busy information and meeting
// suggestions of req's mailboxes.
//
// The request is validated first; problems are a *InputError (errors.Is
// ErrInvalidInput) and nothing is sent. Free/busy requests for more than
// 100 mailboxes are split into batches of 100 sent concurrently (at most
// MaxConcurrency at a time); results come back in request order.
//
// Errors of single mailboxes are returned in place, as a *MailboxError in
// MailboxAvailability.Err, next to the other mailboxes' results. Errors of
// the whole request are returned as the error:
//   - *ServerBusyError (errors.Is ErrServerBusy) when the server still
//     answered ErrorServerBusy after the retries (each after the server's
//     BackOffMilliseconds, never past ctx's deadline);
//   - *fedavail.HTTPError for HTTP errors; errors.Is(err,
//     fedavail.ErrUnauthorized) and fedavail.ErrForbidden tell 401 and 403,
//     which is how Exchange rejects credentials and delegation tokens;
//   - *fedavail.Fault for other SOAP faults, with the EWS ResponseCode;
//   - *fedavail.XMLError, *fedavail.LimitError and the like for answers
//     that cannot be read; transport errors and ctx's error.
func (c *Client) GetUserAvailability(ctx context.Context, req *AvailabilityRequest) (*AvailabilityResult, error) {
	if req == nil {
		return nil, &InputError{Field: "req", Reason: "nil"}
	}
	loc, err := req.validate()
	if err != nil {
		return nil, err
	}
	n := len(req.Mailboxes)
	res := &AvailabilityResult{Mailboxes: make([]MailboxAvailability, n)}
	dec := &decoder{loc: loc, start: req.Start, interval: req.mergedInterval(), oldSchema: !newSchema(c.version())}
	if n <= MaxMailboxesPerRequest {
		return res, c.batch(ctx, req, loc, dec, 0, n, res)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
		sem      = make(chan struct{}, c.maxConcurrency())
	)
	for lo := 0; lo < n; lo += MaxMailboxesPerRequest {
		hi := min(lo+MaxMailboxesPerRequest, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				once.Do(func() { firstErr = ctx.Err() })
				return
			}
			// Each batch writes only its own part of res.
			if err := c.batch(ctx, req, loc, dec, lo, hi, res); err != nil {
				once.Do(func() { firstErr = err; cancel() })
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return res, nil
}

// batch asks about mailboxes [lo, hi) and fills res.Mailboxes[lo:hi] (and
// the suggestions, which only a single batch can ask for).
func (c *Client) batch(ctx context.Context, req *AvailabilityRequest, loc *time.Location, dec *decoder, lo, hi int, res *AvailabilityResult) error {
	body := req.wire(loc, lo, hi)
	var extra []any
	if tz, ok := timeZoneContextFor(loc, req.Start.In(loc).Year()); ok {
		extra = append(extra, tz)
	}
	var resp *GetUserAvailabilityResponse
	err := c.retry(ctx, func() (error, time.Duration, error) {
		resp = new(GetUserAvailabilityResponse)
		_, err := c.call(ctx, ActionGetUserAvailability, body, resp, getUserAvailabilityResponseName, req.Mailboxes[lo].Address, extra...)
		if busy, backOff, ok := busyFault(err); ok {
			return busy, backOff, nil
		}
		if err != nil {
			return nil, 0, err
		}
		if busy, backOff, ok := allBusy(req.Mailboxes[lo:hi], resp); ok {
			return busy, backOff, nil
		}
		return nil, 0, nil
	})
	if err != nil {
		return err
	}
	if len(resp.FreeBusyResponses) != hi-lo && (req.FreeBusy != nil || len(resp.FreeBusyResponses) != 0) {
		return &fedavail.XMLError{Context: "GetUserAvailabilityResponse", Err: fmt.Errorf("%d FreeBusyResponse elements for %d mailboxes", len(resp.FreeBusyResponses), hi-lo)}
	}
	for i := range resp.FreeBusyResponses {
		res.Mailboxes[lo+i] = dec.mailbox(req.Mailboxes[lo+i], &resp.FreeBusyResponses[i])
	}
	if len(resp.FreeBusyResponses) == 0 {
		for i := lo; i < hi; i++ {
			res.Mailboxes[i].Mailbox = req.Mailboxes[i]
		}
	}
	if resp.SuggestionsResponse != nil {
		dec.suggestions(resp.SuggestionsResponse, res)
	}
	return nil
}

// allBusy reports whether the server answered ErrorServerBusy for every
// mailbox (or for the suggestions when there are no free/busy answers):
// that is a busy server, to be retried as a whole. A busy answer for only
// some mailboxes stays a per-mailbox error.
func allBusy(mailboxes []Mailbox, resp *GetUserAvailabilityResponse) (error, time.Duration, bool) {
	var last *MailboxError
	var backOff time.Duration
	for i, fr := range resp.FreeBusyResponses {
		rm := fr.ResponseMessage
		if rm == nil || rm.ResponseCode != ErrorServerBusy {
			return nil, 0, false
		}
		last = &MailboxError{Mailbox: mailboxes[min(i, len(mailboxes)-1)].Address, Class: rm.ResponseClass, ResponseCode: rm.ResponseCode, Message: rm.MessageText, Values: rm.MessageXML.Map()}
		backOff = max(backOff, fedavail.BackOffFromValues(last.Values))
	}
	if last == nil {
		sr := resp.SuggestionsResponse
		if sr == nil || sr.ResponseMessage == nil || sr.ResponseMessage.ResponseCode != ErrorServerBusy {
			return nil, 0, false
		}
		rm := sr.ResponseMessage
		e := &ResponseError{ResponseCode: rm.ResponseCode, Message: rm.MessageText, Values: rm.MessageXML.Map()}
		return e, fedavail.BackOffFromValues(e.Values), true
	}
	return last, backOff, true
}

// timeZoneContextHeader is the t:TimeZoneContext request header.
type timeZoneContextHeader struct {
	XMLName    xml.Name           `xml:"http://schemas.microsoft.com/exchange/services/2006/types TimeZoneContext"`
	Definition TimeZoneDefinition `xml:"http://schemas.microsoft.com/exchange/services/2006/types TimeZoneDefinition"`
}

// timeZoneContextFor returns the TimeZoneContext header Exchange's proxy
// sends beside the body's TimeZone (FreeBusyApplication.CreateService):
// loc's Windows zone with its full definition. ok is false for a zone with
// no Windows equivalent; the body's TimeZone still says it.
func timeZoneContextFor(loc *time.Location, year int) (*timeZoneContextHeader, bool) {
	id, ok := WindowsZoneFor(loc, year)
	if !ok {
		return nil, false
	}
	name := id
	for _, z := range winzones.Zones {
		if z.ID == id {
			name = z.Display
			break
		}
	}
	return &timeZoneContextHeader{Definition: DefinitionFor(id, name, loc, year)}, true
}
