// Package metrics exposes what fedavail does as Prometheus metrics, for the
// answering side (federation.NewHandler, through HandlerConfig.Observe), the
// asking side (an http.RoundTripper around the client's transport) and the
// trust broker (a wrapper around its handler).
//
// The flow: [New] registers the collectors with the caller's
// prometheus.Registerer (never a global one). For the answering side,
// [Metrics] is a federation.Observer: its Handler wrapper notes each
// request's operation (from the SOAP action, or the path), its duration and
// outcome (HTTP status class, and every EWS ResponseCode or Autodiscover
// ErrorCode the answer carries); its Validator wrapper counts token
// validations by result (token.Reason) and tells the request which partner
// organization it came from; its Policy wrapper counts access levels
// granted; its Calendars wrapper counts calendar reads and their errors.
//
// Labels carry only bounded, non-personal values: operation and code names
// from fixed sets, partner organizations as e-mail domains (at most
// MaxPartners distinct values, then "other"), result and level names. No
// label ever holds a mailbox address, a subject, a location or a token.
//
// The metric names, all prefixed fedavail_:
//
//	requests_total{operation,partner,outcome}       answering side
//	request_duration_seconds{operation}
//	response_codes_total{operation,partner,code}
//	token_validations_total{result}
//	access_decisions_total{level}
//	calendar_reads_total{method,result}
//	calendar_read_duration_seconds{method}
//	client_requests_total{operation,outcome}        asking side
//	client_request_duration_seconds{operation}
//	broker_metadata_age_seconds, broker_metadata_failures  (WatchBroker)
//	broker_requests_total{endpoint,outcome}         trust broker
//	broker_request_duration_seconds{endpoint}
package metrics
