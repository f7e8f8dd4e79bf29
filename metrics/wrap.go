package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/federation/token"
)

// Validator counts v's validations by result and tells the request which
// partner organization the token came from.
func (m *Metrics) Validator(v fedavail.TokenValidator) fedavail.TokenValidator {
	return validator{m, v}
}

type validator struct {
	m    *Metrics
	next fedavail.TokenValidator
}

func (v validator) ValidateToken(ctx context.Context, data []byte, offer fedavail.Offer) (*fedavail.Requester, error) {
	req, err := v.next.ValidateToken(ctx, data, offer)
	result := "ok"
	var ve *token.ValidationError
	switch {
	case errors.As(err, &ve):
		result = ve.Reason.String()
	case err != nil:
		result = "error"
	}
	v.m.validations.WithLabelValues(result).Inc()
	if err == nil && req != nil {
		if ri := infoFrom(ctx); ri != nil {
			p := v.m.partner(req.Domain)
			ri.partner.Store(&p)
		}
	}
	return req, err
}

// Policy counts the access levels p grants.
func (m *Metrics) Policy(p fedavail.AccessPolicy) fedavail.AccessPolicy { return policy{m, p} }

type policy struct {
	m    *Metrics
	next fedavail.AccessPolicy
}

func (p policy) Access(ctx context.Context, req fedavail.Requester, mailbox string) (fedavail.AccessLevel, error) {
	level, err := p.next.Access(ctx, req, mailbox)
	if err != nil {
		p.m.decisions.WithLabelValues("error").Inc()
	} else {
		p.m.decisions.WithLabelValues(level.String()).Inc()
	}
	return level, err
}

// Calendars counts and times the reads of s, by result: ok, not_found,
// too_many_events, canceled, or error.
func (m *Metrics) Calendars(s calendar.Source) calendar.Source { return source{m, s} }

type source struct {
	m    *Metrics
	next calendar.Source
}

func (s source) Events(ctx context.Context, mailbox string, start, end time.Time) ([]calendar.Event, error) {
	t := time.Now()
	ev, err := s.next.Events(ctx, mailbox, start, end)
	s.observe("Events", t, err)
	return ev, err
}

func (s source) WorkingHours(ctx context.Context, mailbox string) (*calendar.WorkingHours, error) {
	t := time.Now()
	wh, err := s.next.WorkingHours(ctx, mailbox)
	s.observe("WorkingHours", t, err)
	return wh, err
}

func (s source) observe(method string, start time.Time, err error) {
	s.m.readDuration.WithLabelValues(method).Observe(time.Since(start).Seconds())
	var tooMany *calendar.TooManyEventsError
	result := "ok"
	switch {
	case err == nil:
	case errors.Is(err, calendar.ErrMailboxNotFound):
		result = "not_found"
	case errors.As(err, &tooMany):
		result = "too_many_events"
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		result = "canceled"
	default:
		result = "error"
	}
	s.m.reads.WithLabelValues(method, result).Inc()
}
