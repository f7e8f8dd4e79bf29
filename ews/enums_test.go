package ews

import "testing"

// TestMergedDigits follows Exchange 2013's BusyType enumeration and
// MergedFreeBusy.cs: digits are the enumeration's values, and answers to
// schemas before Exchange2013 use 4 for no data.
func TestMergedDigits(t *testing.T) {
	tests := []struct {
		digit     byte
		newSchema bool
		want      BusyType
	}{
		{'0', true, Free}, {'1', true, Tentative}, {'2', true, Busy}, {'3', true, OOF},
		{'4', true, WorkingElsewhere}, {'5', true, NoData},
		{'0', false, Free}, {'3', false, OOF}, {'4', false, NoData},
		{'9', true, BusyType("9")},
	}
	for _, tt := range tests {
		if got := busyTypeFromDigit(tt.digit, tt.newSchema); got != tt.want {
			t.Errorf("digit %c (new schema %v) = %q, want %q", tt.digit, tt.newSchema, got, tt.want)
		}
	}
	for _, b := range mergedDigits {
		if got := BusyTypeFromDigit(b.Digit()); got != b {
			t.Errorf("%q round trip gave %q", b, got)
		}
	}
	if got := BusyType("Elsewhere2").Digit(); got != '5' {
		t.Errorf("unknown busy type digit = %c, want 5 (no data)", got)
	}
}
