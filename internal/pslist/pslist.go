// Package pslist writes objects the way PowerShell's Format-List shows
// them, so that administrators can compare fedavail's output with
// Exchange's and paste it back where a parser reads it.
package pslist

import (
	"fmt"
	"strings"
)

// Format writes one object: a "Key : Value" line per key, in the order
// given, keys padded to the longest, trailing blanks trimmed.
func Format(keys []string, values map[string]string) string {
	width := 0
	for _, k := range keys {
		width = max(width, len(k))
	}
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(strings.TrimRight(fmt.Sprintf("%-*s : %s", width, k, values[k]), " "))
		b.WriteByte('\n')
	}
	return b.String()
}
