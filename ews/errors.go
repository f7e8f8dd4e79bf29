package ews

import (
	"errors"
	"fmt"
	"time"
)

// ErrInvalidInput is matched (errors.Is) by every [*InputError].
var ErrInvalidInput = errors.New("ews: invalid input")

// InputError reports a request that was refused before anything was sent.
type InputError struct {
	// Field names what is wrong, in Go terms ("FreeBusy.MergedInterval").
	Field string
	// Reason says why, in words.
	Reason string
}

func (e *InputError) Error() string { return "ews: invalid input: " + e.Field + ": " + e.Reason }

// Is makes errors.Is(err, ErrInvalidInput) true.
func (e *InputError) Is(target error) bool { return target == ErrInvalidInput }

// MailboxError is the error of one mailbox in an otherwise successful
// answer, such as ErrorNoFreeBusyAccess or ErrorMailRecipientNotFound.
type MailboxError struct {
	// Mailbox is the address asked about.
	Mailbox string
	// Class is Error, or Warning for an answer that came with data.
	Class ResponseClass
	// ResponseCode is the server's code.
	ResponseCode ResponseCode
	// Message is the server's MessageText.
	Message string
	// Values are the MessageXml values (for example BackOffMilliseconds).
	Values map[string]string
}

func (e *MailboxError) Error() string {
	s := fmt.Sprintf("ews: mailbox %s: %s", e.Mailbox, e.ResponseCode)
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// ErrServerBusy is matched (errors.Is) by [*ServerBusyError].
var ErrServerBusy = errors.New("ews: server busy")

// ServerBusyError is returned when the server kept answering ErrorServerBusy
// (as a SOAP fault or as the response to every mailbox) after the client's
// retries, or asked for a longer back-off than the client or the context
// allows.
type ServerBusyError struct {
	// BackOff is the server's last BackOffMilliseconds hint, or zero.
	BackOff time.Duration
	// Attempts is how many times the request was sent.
	Attempts int
	// Err is the last answer: a *fedavail.Fault, *MailboxError or *ResponseError.
	Err error
}

func (e *ServerBusyError) Error() string {
	return fmt.Sprintf("ews: server busy after %d attempt(s), back off %s: %v", e.Attempts, e.BackOff, e.Err)
}

// Is makes errors.Is(err, ErrServerBusy) true.
func (e *ServerBusyError) Is(target error) bool { return target == ErrServerBusy }

// Unwrap returns the last answer.
func (e *ServerBusyError) Unwrap() error { return e.Err }

// ResponseError is a request-level ResponseMessage error outside a SOAP
// fault, for example an Error response to the suggestions part.
type ResponseError struct {
	ResponseCode ResponseCode
	Message      string
	Values       map[string]string
}

func (e *ResponseError) Error() string {
	if e.Message != "" {
		return fmt.Sprintf("ews: %s: %s", e.ResponseCode, e.Message)
	}
	return "ews: " + string(e.ResponseCode)
}
