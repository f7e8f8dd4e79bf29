package calendar

import "context"

// freeBusyOnlyKey marks a context whose caller shows free/busy times only.
type freeBusyOnlyKey struct{}

// WithFreeBusyOnly returns a context telling a [Source] that the caller will
// show times and busy types only, never subjects, locations or other
// details (the requester has AvailabilityOnly access, or asked for a view
// without details). A Source reading from a remote store can then ask that
// store for free/busy alone, so that details never leave it; Sources that
// cannot tell the difference ignore the mark, which is always safe because
// the caller strips details itself.
func WithFreeBusyOnly(ctx context.Context) context.Context {
	return context.WithValue(ctx, freeBusyOnlyKey{}, true)
}

// FreeBusyOnly reports whether ctx carries the mark of [WithFreeBusyOnly].
func FreeBusyOnly(ctx context.Context) bool {
	v, _ := ctx.Value(freeBusyOnlyKey{}).(bool)
	return v
}

// SortEvents puts events in the order a [Source] returns them: by start,
// then end, then ID.
func SortEvents(events []Event) { sortEvents(events) }
