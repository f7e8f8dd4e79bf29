package wstrust

import "github.com/fedavail/fedavail/internal/wssec"

// SignatureMethod selects the signature and digest algorithms of the
// signatures a [Client] makes.
type SignatureMethod = wssec.Method

// Signature methods. The zero value is what Exchange uses.
const (
	// RSASHA1 signs with RSA-SHA1 and digests with SHA-1, as Exchange does.
	RSASHA1 = wssec.RSASHA1
	// RSASHA256 signs with RSA-SHA256 and digests with SHA-256.
	RSASHA256 = wssec.RSASHA256
)
