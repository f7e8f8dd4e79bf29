package diag

import (
	"fmt"
	"io"
	"strings"
)

// WriteText writes reports for a person: one line per step, marked ✓ (pass),
// ! (warning), ✗ (failure) or - (skipped), with the cause and fix of each
// warning and failure indented below it, and a closing line per report.
func WriteText(w io.Writer, reports ...*Report) error {
	var b strings.Builder
	for i, r := range reports {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s %s\n", r.Test, r.Subject)
		var failed, warned int
		for _, s := range r.Steps {
			line := s.Name
			if s.Detail != "" {
				line += ": " + s.Detail
			}
			fmt.Fprintf(&b, "  %s %s\n", s.Status.Symbol(), line)
			if s.Cause != "" {
				fmt.Fprintf(&b, "      cause: %s\n", s.Cause)
			}
			if s.Fix != "" {
				fmt.Fprintf(&b, "      fix:   %s\n", s.Fix)
			}
			switch s.Status {
			case Fail:
				failed++
			case Warn:
				warned++
			}
		}
		fmt.Fprintf(&b, "  result: %s (%d failed, %s)\n", strings.ToUpper(r.Status().String()), failed, plural(warned, "warning"))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
