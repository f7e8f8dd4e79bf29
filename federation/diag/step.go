package diag

import (
	"fmt"
	"strings"
)

// Status is the outcome of one step.
type Status int

// Outcomes, from best to worst. Skip means the step could not run because an
// earlier one failed or it does not apply; it is neither good nor bad.
const (
	Pass Status = iota
	Skip
	Warn
	Fail
)

var statusNames = [...]string{Pass: "pass", Skip: "skip", Warn: "warn", Fail: "fail"}

// String returns "pass", "skip", "warn" or "fail".
func (s Status) String() string {
	if s >= 0 && int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// Symbol returns the mark printed before a step: ✓, -, ! or ✗.
func (s Status) Symbol() string {
	switch s {
	case Pass:
		return "✓"
	case Warn:
		return "!"
	case Fail:
		return "✗"
	}
	return "-"
}

// MarshalText implements encoding.TextMarshaler.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Status) UnmarshalText(b []byte) error {
	for i, n := range statusNames {
		if strings.EqualFold(string(b), n) {
			*s = Status(i)
			return nil
		}
	}
	return fmt.Errorf("diag: unknown status %q", b)
}

// Step is one check and what it found. On a warning or failure Cause says
// in plain words what is most likely wrong and Fix what to do about it.
type Step struct {
	// ID names the check as Exchange's cmdlets do where they have one
	// ("StsCertificate", "TokenRequest"), so results can be compared with
	// Exchange's output; it is stable and meant for programs.
	ID string `json:"id"`
	// Name says what was checked, for people.
	Name string `json:"name"`
	// Status is the outcome.
	Status Status `json:"status"`
	// Detail is what was found: an endpoint, a date, a thumbprint.
	Detail string `json:"detail,omitempty"`
	// Cause is the likely reason of a warning or failure.
	Cause string `json:"cause,omitempty"`
	// Fix is what to do about it.
	Fix string `json:"fix,omitempty"`
}

// Report is the result of one diagnostic: its steps in the order they ran.
type Report struct {
	// Test names the diagnostic and the Exchange cmdlet it mirrors, e.g.
	// "Test-FederationTrust".
	Test string `json:"test"`
	// Subject is what was tested: a domain, a relationship, the organization.
	Subject string `json:"subject"`
	// Steps are the checks, in order.
	Steps []Step `json:"steps"`
}

// Status returns the worst status of the report's steps, ignoring Skip: a
// report whose steps all passed or were skipped passes.
func (r *Report) Status() Status {
	worst := Pass
	for _, s := range r.Steps {
		if s.Status != Skip && s.Status > worst {
			worst = s.Status
		}
	}
	return worst
}

// Failed reports whether any step failed.
func (r *Report) Failed() bool { return r.Status() == Fail }

// Step returns the step with the given ID, or nil.
func (r *Report) Step(id string) *Step {
	for i := range r.Steps {
		if r.Steps[i].ID == id {
			return &r.Steps[i]
		}
	}
	return nil
}

// add appends a step and returns it, so that callers can fill in the outcome.
func (r *Report) add(id, name string) *Step {
	r.Steps = append(r.Steps, Step{ID: id, Name: name})
	return &r.Steps[len(r.Steps)-1]
}

// skipRest appends skipped steps for checks that cannot run after a failure.
func (r *Report) skipRest(why string, steps ...[2]string) {
	for _, s := range steps {
		r.Steps = append(r.Steps, Step{ID: s[0], Name: s[1], Status: Skip, Detail: why})
	}
}

func (s *Step) pass(format string, args ...any) {
	s.Status, s.Detail = Pass, fmt.Sprintf(format, args...)
}

func (s *Step) skip(format string, args ...any) {
	s.Status, s.Detail = Skip, fmt.Sprintf(format, args...)
}

// fail records a failure with its detail, cause and fix.
func (s *Step) fail(detail, cause, fix string) {
	s.Status, s.Detail, s.Cause, s.Fix = Fail, detail, cause, fix
}

// warn records a warning with its detail, cause and fix.
func (s *Step) warn(detail, cause, fix string) {
	s.Status, s.Detail, s.Cause, s.Fix = Warn, detail, cause, fix
}

// explain records a failure from a problem found in an error.
func (s *Step) explain(p problem) { s.fail(p.detail, p.cause, p.fix) }
