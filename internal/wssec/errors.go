package wssec

import "fmt"

// Kind classifies a signature check failure.
type Kind int

// Kinds of failure.
const (
	// Malformed: the XML does not have the shape of a signature or timestamp.
	Malformed Kind = iota + 1
	// BadSignature: an algorithm is not accepted, or a value does not verify.
	BadSignature
	// NotCovered: a reference does not name a same-document element.
	NotCovered
	// Wrapping: an ID or an element appears twice.
	Wrapping
	// Expired: a timestamp is not current.
	Expired
)

// Error is a failed check. Detail and Err are for logs; protocol packages
// map Kind to what they tell the sender.
type Error struct {
	Kind   Kind
	Detail string
	Err    error
}

func (e *Error) Error() string {
	msg := "wssec: " + e.Kind.String()
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// String names the kind.
func (k Kind) String() string {
	switch k {
	case Malformed:
		return "malformed"
	case BadSignature:
		return "signature does not verify"
	case NotCovered:
		return "reference not covered"
	case Wrapping:
		return "ambiguous signed content"
	case Expired:
		return "timestamp is not current"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

func fail(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Detail: fmt.Sprintf(format, args...)}
}
