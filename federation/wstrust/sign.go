package wstrust

import "github.com/fedavail/fedavail/internal/wssec"

// SignatureMethod selects the signature and digest algorithms of the
// signatures a [Client] makes.
type SignatureMethod int

// Signature methods. The zero value is what Exchange uses.
const (
	// RSASHA1 signs with RSA-SHA1 and digests with SHA-1, as Exchange does.
	RSASHA1 SignatureMethod = iota
	// RSASHA256 signs with RSA-SHA256 and digests with SHA-256.
	RSASHA256
)

// wssec returns the signer's method for m.
func (m SignatureMethod) wssec() wssec.Method {
	if m == RSASHA256 {
		return wssec.RSASHA256
	}
	return wssec.RSASHA1
}
