package federation

import (
	"net/http"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/calendar"
)

// Observer instruments the answering side for metrics and traces without
// the handler depending on a metrics or tracing library: [NewHandler] hands
// each part to it once, when the handler is built, and uses what it returns.
// Each method must return something that behaves exactly as its argument
// does (same results, same errors), only observed. Package metrics does it
// for Prometheus, package tracing for OpenTelemetry; [Observers] combines
// several.
type Observer interface {
	// Handler wraps the whole handler: every request, its operation,
	// outcome and duration.
	Handler(http.Handler) http.Handler
	// Validator wraps the token validator: every federated request's token,
	// and the partner organization it names.
	Validator(fedavail.TokenValidator) fedavail.TokenValidator
	// Policy wraps the access policy: the level granted per mailbox.
	Policy(fedavail.AccessPolicy) fedavail.AccessPolicy
	// Calendars wraps the calendar source: every read and its errors.
	Calendars(calendar.Source) calendar.Source
}

// Observers returns an Observer that applies each of obs in turn (the first
// innermost).
func Observers(obs ...Observer) Observer { return observers(obs) }

type observers []Observer

func (o observers) Handler(h http.Handler) http.Handler {
	for _, x := range o {
		h = x.Handler(h)
	}
	return h
}

func (o observers) Validator(v fedavail.TokenValidator) fedavail.TokenValidator {
	for _, x := range o {
		v = x.Validator(v)
	}
	return v
}

func (o observers) Policy(p fedavail.AccessPolicy) fedavail.AccessPolicy {
	for _, x := range o {
		p = x.Policy(p)
	}
	return p
}

func (o observers) Calendars(s calendar.Source) calendar.Source {
	for _, x := range o {
		s = x.Calendars(s)
	}
	return s
}
