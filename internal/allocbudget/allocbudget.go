// Package allocbudget holds decoders to a memory budget in tests: the bytes
// a call allocates must stay under a fixed multiple of its input's size (plus
// a constant for fixed set-up costs). Cost is asserted, not timed — allocated
// bytes do not depend on the machine's load, and they are what a hostile
// document multiplies: the quadratic namespace scopes of issue 12 allocated
// tens of thousands of times their input.
//
// It also builds the hostile documents the budget tests feed decoders:
// envelopes whose namespace declarations are multiplied by their elements.
package allocbudget

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/fedavail/fedavail/internal/xmlguard"
)

// Multiple is the default budget, in bytes allocated per byte of input.
// encoding/xml allocates about 15 bytes per byte of an attribute-dense
// start tag (a string for each name and value, a 48-byte xml.Attr, an
// entry on its namespace stack), a decoder keeps copies of what it read,
// and a caller often reads a part twice (a header block decoded, then its
// children): 64 leaves room for that and is still some seventy times
// below the 4720 times the quadratic namespace scopes cost.
const Multiple = 64

// Fixed is the constant part of every budget: pools, maps and buffers a
// decoder sets up once whatever its input, and encoding/xml's decoder (a
// bufio reader of 4 KiB and its maps).
const Fixed = 256 << 10

// Bytes returns the bytes allocated (by every goroutine) while f runs.
// TotalAlloc counts every allocation whether or not it has been collected,
// so no garbage collection is needed around f (fuzz targets call this on
// every input).
func Bytes(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// Check runs f on an input of n bytes and fails the test when it allocates
// more than multiple×n + Fixed bytes. It returns the bytes allocated.
func Check(tb testing.TB, name string, n int, multiple int, f func()) uint64 {
	tb.Helper()
	got := Bytes(f)
	tb.Logf("%s: %d input bytes, %d allocated (%.1f×)", name, n, got, float64(got)/float64(max(n, 1)))
	if limit := Limit(n, multiple); got > limit {
		tb.Errorf("%s: %d input bytes allocated %d bytes (%.0f×), over the budget of %d×n + %d = %d",
			name, n, got, float64(got)/float64(max(n, 1)), multiple, Fixed, limit)
	}
	return got
}

// Limit is the budget for an input of n bytes.
func Limit(n, multiple int) uint64 { return uint64(multiple)*uint64(n) + Fixed }

// Declarations returns count namespace declarations (xmlns:p0="urn:p0"
// …), each with a leading space, to put in a start tag.
func Declarations(count int) string { return declarations(0, count) }

func declarations(from, count int) string {
	var b strings.Builder
	for i := from; i < from+count; i++ {
		fmt.Fprintf(&b, ` xmlns:p%d="urn:p%d"`, i, i)
	}
	return b.String()
}

// Shape says where a hostile envelope puts its namespace declarations.
type Shape int

// Shapes of [Envelope]: declarations on the Envelope, on the Header or
// Body section, on every header block, or spread over nested elements of
// one header block whose innermost element has the other header blocks as
// children.
const (
	OnEnvelope Shape = iota
	OnSection
	OnEveryHeader
	Nested
)

// String names the shape for test names.
func (s Shape) String() string {
	return [...]string{"on the Envelope", "on the Header and Body", "on every header block", "nested"}[s]
}

// NestedLevels is how deep [Nested] nests, under every depth limit.
const NestedLevels = 32

// Envelope returns a SOAP envelope (namespace soapNS) with decls namespace
// declarations placed as shape says and headers header blocks, and body as
// the Body's content. It is the namespace amplification of issue 12: a few
// hundred declarations times a few hundred header blocks.
func Envelope(soapNS string, shape Shape, decls, headers int, body string) []byte {
	d := Declarations(decls)
	var b strings.Builder
	b.WriteString(`<s:Envelope xmlns:s="` + soapNS + `"`)
	if shape == OnEnvelope {
		b.WriteString(d)
	}
	b.WriteString(`><s:Header`)
	if shape == OnSection {
		b.WriteString(d)
	}
	b.WriteString(`>`)
	switch shape {
	case Nested:
		b.WriteString(`<p:H xmlns:p="urn:h">`)
		per := decls / NestedLevels
		for l := range NestedLevels {
			b.WriteString(`<p:N` + declarations(l*per, per) + `>`)
		}
		for range headers {
			b.WriteString(`<p:L>x</p:L>`)
		}
		for range NestedLevels {
			b.WriteString(`</p:N>`)
		}
		b.WriteString(`</p:H>`)
	default:
		for range headers {
			b.WriteString(`<p:H xmlns:p="urn:h"`)
			if shape == OnEveryHeader {
				b.WriteString(d)
			}
			b.WriteString(`>x</p:H>`)
		}
	}
	b.WriteString(`</s:Header><s:Body`)
	if shape == OnSection {
		b.WriteString(d)
	}
	b.WriteString(`>` + body + `</s:Body></s:Envelope>`)
	return []byte(b.String())
}

// Shapes are all the shapes of [Envelope].
var Shapes = []Shape{OnEnvelope, OnSection, OnEveryHeader, Nested}

// LiftedLimits are xmlguard's limits with the namespace declaration counts
// lifted, so that a budget test reaches the decoder behind the guard.
var LiftedLimits = xmlguard.Limits{MaxDeclsPerElement: 1 << 20, MaxDeclsInScope: 1 << 20, MaxDecls: 1 << 20}
