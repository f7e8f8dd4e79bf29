// Package tracing records what fedavail does as OpenTelemetry spans, with
// the caller's TracerProvider: no exporter is wired here, and nothing is
// traced unless the caller asks.
//
// For the answering side, [Tracer] is a federation.Observer
// (HandlerConfig.Observe): a span per request (its operation and HTTP
// status), and inside it a span per token validation (the result and the
// partner's e-mail domain), per access decision (the level) and per
// calendar read (the result). For the asking side, [Tracer.Transport] wraps
// the client's http.RoundTripper with a span per request to a partner or
// broker, named by its step: discovery (GetFederationInformation,
// GetUserSettings), token (Issue), metadata, and the EWS call
// (GetUserAvailability); a query's spans nest under the caller's span when
// its context carries one.
//
// Attributes never hold a mailbox address, a subject, a location or a
// token: the same rule as the logs.
package tracing

import (
	"context"
	"errors"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/calendar"
	"github.com/fedavail/fedavail/federation"
	"github.com/fedavail/fedavail/federation/token"
	"github.com/fedavail/fedavail/internal/opname"
)

// Name is the instrumentation scope's name.
const Name = "github.com/fedavail/fedavail"

// Tracer creates fedavail's spans. The zero value is not usable; create it
// with [New].
type Tracer struct{ t trace.Tracer }

var _ federation.Observer = (*Tracer)(nil)

// New returns a Tracer using tp.
func New(tp trace.TracerProvider) *Tracer { return &Tracer{t: tp.Tracer(Name)} }

// Handler starts a server span per request.
func (t *Tracer) Handler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := opname.Server(r)
		ctx, span := t.t.Start(r.Context(), "fedavail.serve "+op, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("fedavail.operation", op)))
		defer span.End()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r.WithContext(ctx))
		span.SetAttributes(attribute.Int("http.response.status_code", sw.status))
		if sw.status >= 400 {
			span.SetStatus(codes.Error, http.StatusText(sw.status))
		}
	})
}

// Validator traces token validations.
func (t *Tracer) Validator(v fedavail.TokenValidator) fedavail.TokenValidator { return validator{t, v} }

type validator struct {
	t    *Tracer
	next fedavail.TokenValidator
}

func (v validator) ValidateToken(ctx context.Context, data []byte, offer fedavail.Offer) (*fedavail.Requester, error) {
	ctx, span := v.t.t.Start(ctx, "fedavail.token.validate", trace.WithAttributes(attribute.String("fedavail.offer", string(offer))))
	defer span.End()
	req, err := v.next.ValidateToken(ctx, data, offer)
	var ve *token.ValidationError
	switch {
	case errors.As(err, &ve):
		span.SetAttributes(attribute.String("fedavail.token.result", ve.Reason.String()))
		span.SetStatus(codes.Error, "token refused")
	case err != nil:
		span.SetAttributes(attribute.String("fedavail.token.result", "error"))
		span.SetStatus(codes.Error, "token refused")
	default:
		span.SetAttributes(attribute.String("fedavail.token.result", "ok"), attribute.String("fedavail.partner", req.Domain))
	}
	return req, err
}

// Policy traces access decisions.
func (t *Tracer) Policy(p fedavail.AccessPolicy) fedavail.AccessPolicy { return policy{t, p} }

type policy struct {
	t    *Tracer
	next fedavail.AccessPolicy
}

func (p policy) Access(ctx context.Context, req fedavail.Requester, mailbox string) (fedavail.AccessLevel, error) {
	ctx, span := p.t.t.Start(ctx, "fedavail.policy.access")
	defer span.End()
	level, err := p.next.Access(ctx, req, mailbox)
	if err != nil {
		span.SetStatus(codes.Error, "policy failed")
	}
	span.SetAttributes(attribute.String("fedavail.access_level", level.String()))
	return level, err
}

// Calendars traces calendar reads.
func (t *Tracer) Calendars(s calendar.Source) calendar.Source { return source{t, s} }

type source struct {
	t    *Tracer
	next calendar.Source
}

func (s source) Events(ctx context.Context, mailbox string, start, end time.Time) ([]calendar.Event, error) {
	ctx, span := s.t.t.Start(ctx, "fedavail.calendar.events", trace.WithAttributes(attribute.Int64("fedavail.window_hours", int64(end.Sub(start).Hours()))))
	defer span.End()
	ev, err := s.next.Events(ctx, mailbox, start, end)
	span.SetAttributes(attribute.Int("fedavail.events", len(ev)))
	endSpan(span, err)
	return ev, err
}

func (s source) WorkingHours(ctx context.Context, mailbox string) (*calendar.WorkingHours, error) {
	ctx, span := s.t.t.Start(ctx, "fedavail.calendar.working_hours")
	defer span.End()
	wh, err := s.next.WorkingHours(ctx, mailbox)
	endSpan(span, err)
	return wh, err
}

func endSpan(span trace.Span, err error) {
	switch {
	case err == nil:
	case errors.Is(err, calendar.ErrMailboxNotFound):
		span.SetAttributes(attribute.String("fedavail.result", "not_found"))
	default:
		span.SetStatus(codes.Error, "calendar read failed")
	}
}

// Transport wraps rt (nil means http.DefaultTransport) with a client span
// per request, named by the step it is.
func (t *Tracer) Transport(rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		rt = http.DefaultTransport
	}
	return roundTripper{t, rt}
}

type roundTripper struct {
	t    *Tracer
	next http.RoundTripper
}

func (rt roundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	op := opname.Client(r)
	ctx, span := rt.t.t.Start(r.Context(), "fedavail.call "+op, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("fedavail.operation", op), attribute.String("server.address", r.URL.Hostname())))
	defer span.End()
	resp, err := rt.next.RoundTrip(r.WithContext(ctx))
	if err != nil {
		span.SetStatus(codes.Error, "request failed")
		return resp, err
	}
	span.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
	if resp.StatusCode >= 400 {
		span.SetStatus(codes.Error, http.StatusText(resp.StatusCode))
	}
	return resp, err
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(status int) {
	if !w.wrote {
		w.status, w.wrote = status, true
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
