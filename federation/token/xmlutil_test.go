package token

import (
	"bytes"
	"testing"
)

func TestDecodeBase64(t *testing.T) {
	want := []byte("delegation token bytes")
	for _, in := range []string{
		"ZGVsZWdhdGlvbiB0b2tlbiBieXRlcw==",
		"ZGVsZWdhdGlv\r\nbiB0b2tlbiBieXRlcw==\n",
		" ZGVsZWdhdGlv\n\tbiB0b2tl biBieXRlcw== ",
	} {
		got, err := decodeBase64(in)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("decodeBase64(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"ZGVsZWdh*GlvbiB0b2tlbiBieXRlcw==", "ZGVsZWdhdGlvbiB0b2tlbiBieXRlcw"} {
		if _, err := decodeBase64(in); err == nil {
			t.Errorf("decodeBase64(%q) succeeded", in)
		}
	}
}
