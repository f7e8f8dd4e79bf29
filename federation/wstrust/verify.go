package wstrust

import (
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/beevik/etree"

	"github.com/fedavail/fedavail/internal/pki"
	"github.com/fedavail/fedavail/internal/wssec"
)

// The signature checks live in internal/wssec, shared with the
// ManageDelegation2 service; these wrappers turn its errors into a
// *VerifyError with this package's reasons.

// reasonOf maps a wssec failure kind to the reason a requester is told.
var reasonOf = map[wssec.Kind]Reason{
	wssec.Malformed:    ReasonMalformed,
	wssec.BadSignature: ReasonBadSignature,
	wssec.NotCovered:   ReasonNotCovered,
	wssec.Wrapping:     ReasonWrapping,
	wssec.Expired:      ReasonExpired,
}

// fromSec converts a *wssec.Error into a *VerifyError; other errors pass.
func fromSec(err error) error {
	var e *wssec.Error
	if !errors.As(err, &e) {
		return err
	}
	cause := e.Err
	switch {
	case e.Detail != "" && e.Err != nil:
		cause = fmt.Errorf("%s: %w", e.Detail, e.Err)
	case e.Detail != "":
		cause = errors.New(e.Detail)
	}
	return &VerifyError{Reason: reasonOf[e.Kind], Err: cause}
}

func child(el *etree.Element, space, local string) (*etree.Element, error) {
	c, err := wssec.Child(el, space, local)
	return c, fromSec(err)
}

func mustChild(el *etree.Element, space, local string) (*etree.Element, error) {
	c, err := wssec.MustChild(el, space, local)
	return c, fromSec(err)
}

func attrNS(el *etree.Element, space, local string) string { return wssec.AttrNS(el, space, local) }

func uniqueIDs(root *etree.Element) error { return fromSec(wssec.UniqueIDs(root)) }

func canonicalInPlace(el *etree.Element, prefixList string) ([]byte, error) {
	return wssec.CanonicalInPlace(el, prefixList)
}

func keyIdentifierSKI(keyInfo *etree.Element) ([]byte, error) {
	ski, err := wssec.KeyIdentifierSKI(keyInfo)
	return ski, fromSec(err)
}

func verifySignedInfo(sig *etree.Element, cert *x509.Certificate) ([]wssec.SignedReference, error) {
	refs, err := wssec.VerifySignedInfo(sig, cert)
	return refs, fromSec(err)
}

func checkDigest(ref wssec.SignedReference, el *etree.Element) error {
	return fromSec(wssec.CheckDigest(ref, el))
}

func skiOf(c *x509.Certificate) []byte { return pki.SKI(c) }
