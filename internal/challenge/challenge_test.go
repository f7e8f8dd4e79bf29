package challenge

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestBasic(t *testing.T) {
	tests := []struct{ host, want string }{
		{"mail.contoso.example", `Basic realm="mail.contoso.example"`},
		{"mail.contoso.example:8443", `Basic realm="mail.contoso.example"`},
		{"[::1]:443", `Basic realm="::1"`},
		{`evil" , Negotiate x="`, `Basic realm="evilNegotiatex"`},
		{"", `Basic realm=""`},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodPost, "/EWS/Exchange.asmx", nil)
		r.Host = tt.host
		h := http.Header{}
		Basic(h, r)
		if got := h.Get("WWW-Authenticate"); got != tt.want {
			t.Errorf("host %q: %s, want %s", tt.host, got, tt.want)
		}
	}
}
