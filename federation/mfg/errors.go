package mfg

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"

	"github.com/fedavail/fedavail"
)

// Code is a gateway DomainError value, the integer a ManageDelegation2 fault
// carries as the first child of its detail (../shared/protocol.md §8.4).
type Code int

// DomainError values, as Exchange's client knows them.
const (
	InvalidPartner Code = 1001 + iota
	InvalidPartnerCert
	PartnerNotAuthorized
	MemberNotAuthorized
	InvalidManagementCertificate
	MemberNotAuthenticated
)

// Domain errors.
const (
	InvalidDomainName Code = 2001 + iota
	BlockedDomainName
	InvalidDomainConfigID
	DomainNotReserved
	DomainUnavailable
	DomainPendingChanges
	DomainSuspended
	DomainPendingConfiguration
	NotPermittedForDomain
	InvalidProgramID
	ProofOfOwnershipNotValid
	PasswordChangeRequiredForDomain
	CanNotReleaseNamespace
	DomainNotFederated
)

// Member errors (Windows Live accounts; ManageDelegation2 does not manage
// members, but the codes share the enumeration).
const (
	MemberNameInvalid Code = 3001 + iota
	MemberNameBlocked
	MemberNameUnavailable
	MemberNameBlank
	MemberNameIncludesInvalidChars
	MemberNameIncludesDots
	MemberNameInUse
	ManagedMemberExists
	ManagedMemberNotExists
	UnmanagedMemberExists
	UnmanagedMemberNotExists
	MaxMembershipLimit
	PasswordBlank
	PasswordTooShort
	PasswordTooLong
	PasswordIncludesMemberName
	PasswordIncludesInvalidChars
	PasswordInvalid
	InvalidNetID
	InvalidOffer
)

// Application identifier errors.
const (
	InvalidAppID Code = 4001 + iota
	InvalidAppIDAdminKey
	MaxAppIDsReached
	MaxURIReached
	InvalidURI
)

// Service errors.
const (
	InternalError Code = 9001 + iota
	InvalidParameter
	PassportError
	ExchangeError
	SubscriptionServicesError
	TestForcedError
	ServiceDown
	NYI Code = 10001
)

var codeNames = map[Code]string{
	InvalidPartner: "InvalidPartner", InvalidPartnerCert: "InvalidPartnerCert", PartnerNotAuthorized: "PartnerNotAuthorized",
	MemberNotAuthorized: "MemberNotAuthorized", InvalidManagementCertificate: "InvalidManagementCertificate", MemberNotAuthenticated: "MemberNotAuthenticated",
	InvalidDomainName: "InvalidDomainName", BlockedDomainName: "BlockedDomainName", InvalidDomainConfigID: "InvalidDomainConfigId",
	DomainNotReserved: "DomainNotReserved", DomainUnavailable: "DomainUnavailable", DomainPendingChanges: "DomainPendingChanges",
	DomainSuspended: "DomainSuspended", DomainPendingConfiguration: "DomainPendingConfiguration", NotPermittedForDomain: "NotPermittedForDomain",
	InvalidProgramID: "InvalidProgramId", ProofOfOwnershipNotValid: "ProofOfOwnershipNotValid",
	PasswordChangeRequiredForDomain: "PasswordChangeRequiredForDomain", CanNotReleaseNamespace: "CanNotReleaseNamespace", DomainNotFederated: "DomainNotFederated",
	MemberNameInvalid: "MemberNameInvalid", MemberNameBlocked: "MemberNameBlocked", MemberNameUnavailable: "MemberNameUnavailable",
	MemberNameBlank: "MemberNameBlank", MemberNameIncludesInvalidChars: "MemberNameIncludesInvalidChars", MemberNameIncludesDots: "MemberNameIncludesDots",
	MemberNameInUse: "MemberNameInUse", ManagedMemberExists: "ManagedMemberExists", ManagedMemberNotExists: "ManagedMemberNotExists",
	UnmanagedMemberExists: "UnmanagedMemberExists", UnmanagedMemberNotExists: "UnmanagedMemberNotExists", MaxMembershipLimit: "MaxMembershipLimit",
	PasswordBlank: "PasswordBlank", PasswordTooShort: "PasswordTooShort", PasswordTooLong: "PasswordTooLong",
	PasswordIncludesMemberName: "PasswordIncludesMemberName", PasswordIncludesInvalidChars: "PasswordIncludesInvalidChars", PasswordInvalid: "PasswordInvalid",
	InvalidNetID: "InvalidNetId", InvalidOffer: "InvalidOffer",
	InvalidAppID: "InvalidAppId", InvalidAppIDAdminKey: "InvalidAppIdAdminKey", MaxAppIDsReached: "MaxAppIdsReached", MaxURIReached: "MaxUriReached", InvalidURI: "InvalidUri",
	InternalError: "InternalError", InvalidParameter: "InvalidParameter", PassportError: "PassportError", ExchangeError: "ExchangeError",
	SubscriptionServicesError: "SubscriptionServicesError", TestForcedError: "TestForcedError", ServiceDown: "ServiceDown", NYI: "NYI",
}

// String returns the DomainError name, e.g. "ProofOfOwnershipNotValid", or
// the number for a code Exchange does not know.
func (c Code) String() string {
	if n, ok := codeNames[c]; ok {
		return n
	}
	return strconv.Itoa(int(c))
}

// HResultURINotUnique is the PassportError HRESULT meaning that the URI
// (domain) is registered to another application identifier.
const HResultURINotUnique uint32 = 0x80048862

// Error is a ManageDelegation2 fault carrying a DomainError. Compare codes
// with errors.Is against the sentinels ([ErrProofOfOwnershipNotValid], …)
// or read Code after errors.As. Faults without a DomainError are returned
// as *fedavail.Fault.
type Error struct {
	// Code is the DomainError value.
	Code Code
	// Message is the fault's faultstring.
	Message string
	// HResult is the hexadecimal HRESULT a PassportError carries as the
	// detail's last child; zero otherwise.
	HResult uint32
	// Domain and Record are set for ProofOfOwnershipNotValid answers to a
	// request this package made: the domain whose DNS proof the gateway did
	// not find and the zone-file line to publish for it.
	Domain, Record string
	// Fault is the SOAP fault the error was read from.
	Fault *fedavail.Fault
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "mfg: %s (%d)", e.Code, int(e.Code))
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.HResult != 0 {
		fmt.Fprintf(&b, " (HRESULT 0x%08X)", e.HResult)
	}
	if e.Record != "" {
		fmt.Fprintf(&b, "; the gateway did not find the domain proof of %s in DNS: publish %s and retry (DNS changes can take time)", e.Domain, e.Record)
	}
	return b.String()
}

// Is reports whether target is a sentinel *Error (only Code set) with the
// same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.Fault == nil && t.Domain == "" && t.Code == e.Code
}

// Unwrap returns the SOAP fault.
func (e *Error) Unwrap() error {
	if e.Fault == nil {
		return nil
	}
	return e.Fault
}

// URINotUnique reports whether the error says the URI belongs to another
// application identifier (PassportError with HRESULT 0x80048862).
func (e *Error) URINotUnique() bool {
	return e.Code == PassportError && e.HResult == HResultURINotUnique
}

// Sentinels for errors.Is, one per DomainError value.
var (
	ErrInvalidPartner                  = &Error{Code: InvalidPartner}
	ErrInvalidPartnerCert              = &Error{Code: InvalidPartnerCert}
	ErrPartnerNotAuthorized            = &Error{Code: PartnerNotAuthorized}
	ErrMemberNotAuthorized             = &Error{Code: MemberNotAuthorized}
	ErrInvalidManagementCertificate    = &Error{Code: InvalidManagementCertificate}
	ErrMemberNotAuthenticated          = &Error{Code: MemberNotAuthenticated}
	ErrInvalidDomainName               = &Error{Code: InvalidDomainName}
	ErrBlockedDomainName               = &Error{Code: BlockedDomainName}
	ErrInvalidDomainConfigID           = &Error{Code: InvalidDomainConfigID}
	ErrDomainNotReserved               = &Error{Code: DomainNotReserved}
	ErrDomainUnavailable               = &Error{Code: DomainUnavailable}
	ErrDomainPendingChanges            = &Error{Code: DomainPendingChanges}
	ErrDomainSuspended                 = &Error{Code: DomainSuspended}
	ErrDomainPendingConfiguration      = &Error{Code: DomainPendingConfiguration}
	ErrNotPermittedForDomain           = &Error{Code: NotPermittedForDomain}
	ErrInvalidProgramID                = &Error{Code: InvalidProgramID}
	ErrProofOfOwnershipNotValid        = &Error{Code: ProofOfOwnershipNotValid}
	ErrPasswordChangeRequiredForDomain = &Error{Code: PasswordChangeRequiredForDomain}
	ErrCanNotReleaseNamespace          = &Error{Code: CanNotReleaseNamespace}
	ErrDomainNotFederated              = &Error{Code: DomainNotFederated}
	ErrMemberNameInvalid               = &Error{Code: MemberNameInvalid}
	ErrMemberNameBlocked               = &Error{Code: MemberNameBlocked}
	ErrMemberNameUnavailable           = &Error{Code: MemberNameUnavailable}
	ErrMemberNameBlank                 = &Error{Code: MemberNameBlank}
	ErrMemberNameIncludesInvalidChars  = &Error{Code: MemberNameIncludesInvalidChars}
	ErrMemberNameIncludesDots          = &Error{Code: MemberNameIncludesDots}
	ErrMemberNameInUse                 = &Error{Code: MemberNameInUse}
	ErrManagedMemberExists             = &Error{Code: ManagedMemberExists}
	ErrManagedMemberNotExists          = &Error{Code: ManagedMemberNotExists}
	ErrUnmanagedMemberExists           = &Error{Code: UnmanagedMemberExists}
	ErrUnmanagedMemberNotExists        = &Error{Code: UnmanagedMemberNotExists}
	ErrMaxMembershipLimit              = &Error{Code: MaxMembershipLimit}
	ErrPasswordBlank                   = &Error{Code: PasswordBlank}
	ErrPasswordTooShort                = &Error{Code: PasswordTooShort}
	ErrPasswordTooLong                 = &Error{Code: PasswordTooLong}
	ErrPasswordIncludesMemberName      = &Error{Code: PasswordIncludesMemberName}
	ErrPasswordIncludesInvalidChars    = &Error{Code: PasswordIncludesInvalidChars}
	ErrPasswordInvalid                 = &Error{Code: PasswordInvalid}
	ErrInvalidNetID                    = &Error{Code: InvalidNetID}
	ErrInvalidOffer                    = &Error{Code: InvalidOffer}
	ErrInvalidAppID                    = &Error{Code: InvalidAppID}
	ErrInvalidAppIDAdminKey            = &Error{Code: InvalidAppIDAdminKey}
	ErrMaxAppIDsReached                = &Error{Code: MaxAppIDsReached}
	ErrMaxURIReached                   = &Error{Code: MaxURIReached}
	ErrInvalidURI                      = &Error{Code: InvalidURI}
	ErrInternalError                   = &Error{Code: InternalError}
	ErrInvalidParameter                = &Error{Code: InvalidParameter}
	ErrPassportError                   = &Error{Code: PassportError}
	ErrExchangeError                   = &Error{Code: ExchangeError}
	ErrSubscriptionServicesError       = &Error{Code: SubscriptionServicesError}
	ErrTestForcedError                 = &Error{Code: TestForcedError}
	ErrServiceDown                     = &Error{Code: ServiceDown}
	ErrNYI                             = &Error{Code: NYI}
)

// FaultError reads a DomainError out of a SOAP fault the way Exchange's
// client does: the detail's first child element holds the integer; for a
// PassportError the last child holds the HRESULT in hexadecimal. It returns
// nil when the detail carries no DomainError.
func FaultError(f *fedavail.Fault) *Error {
	if f == nil || len(f.Detail) == 0 {
		return nil
	}
	kids := detailChildren(f.Detail)
	if len(kids) == 0 {
		return nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(kids[0]))
	if err != nil {
		return nil
	}
	e := &Error{Code: Code(n), Message: f.Reason, Fault: f}
	if e.Code == PassportError && len(kids) > 1 {
		h := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(kids[len(kids)-1])), "0x")
		if v, err := strconv.ParseUint(h, 16, 32); err == nil {
			e.HResult = uint32(v)
		}
	}
	return e
}

// maxDetailChildren bounds the child elements read from a fault detail;
// only the first and the last matter.
const maxDetailChildren = 64

// detailChildren returns the text of the detail's top-level child elements.
// The detail was already checked by the SOAP decoder's limits.
func detailChildren(detail []byte) []string {
	d := xml.NewDecoder(strings.NewReader("<d>" + string(detail) + "</d>"))
	var out []string
	var text strings.Builder
	depth := 0
	for len(out) < maxDetailChildren {
		tok, err := d.Token()
		if err != nil { // io.EOF, or a detail that is not XML: what was read
			return out
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 2 {
				text.Reset()
			}
		case xml.CharData:
			if depth >= 2 {
				text.Write(t)
			}
		case xml.EndElement:
			if depth == 2 {
				out = append(out, text.String())
			}
			depth--
		}
	}
	return out
}
