package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHTTPClientCAErrors(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.txt")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{
		filepath.Join(dir, "missing.pem"): "give a readable PEM file",
		notPEM:                            "has no PEM certificate",
	} {
		if _, err := HTTPClient(file, nil); err == nil || !strings.HasPrefix(err.Error(), "-ca") || !strings.Contains(err.Error(), want) {
			t.Errorf("HTTPClient(%s) = %v, want a -ca error saying %q", file, err, want)
		}
	}
	if _, err := HTTPClient("", nil); err != nil {
		t.Errorf("HTTPClient without -ca: %v", err)
	}
}

func TestResolver(t *testing.T) {
	if _, err := Resolver("192.0.2.53"); err == nil || !strings.Contains(err.Error(), "give host:port") {
		t.Errorf("Resolver without a port = %v, want a -dns error asking for host:port", err)
	}
	if r, err := Resolver("192.0.2.53:53"); err != nil || r == nil {
		t.Errorf("Resolver(192.0.2.53:53) = %v, %v", r, err)
	}
}
