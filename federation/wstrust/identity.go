package wstrust

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// NameIDFormatImmutableID is the NameIdentifier format on-premises Exchange
// names its users with (EXD Constants.ImmutableIdUri).
const NameIDFormatImmutableID = "http://schemas.microsoft.com/LiveID/Federation/2008/05/ImmutableID"

// Identity is how the on-behalf-of assertion names the user.
type Identity struct {
	// NameID is the NameIdentifier's value and Format its format.
	NameID, Format string
}

// IdentityFunc returns the identity of the user with this SMTP address.
type IdentityFunc func(address string) Identity

// UPN names a user by the address with the UPN format: the form
// Exchange Online uses for users of managed domains, and the default of a
// [Client].
func UPN(address string) Identity { return Identity{NameID: address, Format: NameIDFormatUPN} }

// ImmutableIDs names users as on-premises Exchange does (EXD
// FederatedIdentityHelper, enterprise case): format ImmutableID, value
// "<immutable id>@<applicationURI>", applicationURI being the account
// namespace with its FYDIBOHF25SPDLT label. source returns a user's
// immutable id; nil, or an empty answer, means [DefaultImmutableID]. A value
// that already ends in "@<applicationURI>" is used as it is; one ending in
// another domain is ignored, as Exchange ignores it.
func ImmutableIDs(applicationURI string, source func(address string) string) IdentityFunc {
	suffix := "@" + strings.TrimSpace(applicationURI)
	return func(address string) Identity {
		id := ""
		if source != nil {
			id = strings.TrimSpace(source(address))
		}
		switch {
		case len(id) > len(suffix) && strings.EqualFold(id[len(id)-len(suffix):], suffix):
			return Identity{NameID: id, Format: NameIDFormatImmutableID}
		case id == "" || strings.Contains(id, "@"):
			id = DefaultImmutableID(address)
		}
		return Identity{NameID: id + suffix, Format: NameIDFormatImmutableID}
	}
}

// DefaultImmutableID is a stable immutable id derived from the address:
// base64 of the first 16 bytes of SHA-256 of the lower-case address, the
// shape of Exchange's default (base64 of the user's objectGUID). It stays
// the same as long as the address does and reveals nothing else; a
// directory's own immutable ids (objectGUID, ms-DS-ConsistencyGuid) survive
// address changes and are better where there is one.
func DefaultImmutableID(address string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(address))))
	return base64.StdEncoding.EncodeToString(sum[:16])
}
