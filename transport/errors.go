package transport

import (
	"errors"
	"strconv"
	"strings"
)

// ErrInvalidConfig matches, with errors.Is, every error [New] and
// [NewTransport] return for a [Config] they cannot use.
var ErrInvalidConfig = errors.New("transport: invalid configuration")

// ConfigError reports which [Config] field is wrong. It matches
// [ErrInvalidConfig] and unwraps to the cause, often a [*SyntaxError].
type ConfigError struct {
	// Field is the Config field, e.g. "ProxyBypass".
	Field string
	// Err is the cause.
	Err error
}

func (e *ConfigError) Error() string {
	return "transport: invalid Config." + e.Field + ": " + strings.TrimPrefix(e.Err.Error(), "transport: ")
}

// Unwrap returns the cause.
func (e *ConfigError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrInvalidConfig) true.
func (e *ConfigError) Is(target error) bool { return target == ErrInvalidConfig }

// SyntaxError is an entry of a host list that [ParseHostList] cannot parse.
type SyntaxError struct {
	// Entry is the offending entry as written.
	Entry string
	// Reason says what is wrong with it.
	Reason string
}

func (e *SyntaxError) Error() string {
	return "transport: host list entry " + strconv.Quote(e.Entry) + ": " + e.Reason
}
