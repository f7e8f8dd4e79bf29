package sharing

import (
	"errors"
	"fmt"
	"strings"

	"github.com/fedavail/fedavail/internal/dnsname"
)

// ConfigError is one problem in a configuration, naming the entry and field
// so an administrator can find it, e.g.
//
//	sharing: relationship "Fabrikam": DomainNames[1] "fab rikam.com": not a domain name: character ' ' is not allowed
//
// Validation reports every problem it finds, joined with errors.Join.
type ConfigError struct {
	// Entry names the entry: `relationship "Fabrikam"`, `sharing policy
	// "Default Sharing Policy"`, `mailbox "bob@contoso.com"`, `group "…"`.
	Entry string
	// Field is the field, with an index for lists: "DomainNames[1]".
	Field string
	// Value is the offending value, if there is one.
	Value string
	// Reason says what is wrong.
	Reason string
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString("sharing: ")
	b.WriteString(e.Entry)
	if e.Field != "" {
		b.WriteString(": " + e.Field)
	}
	if e.Value != "" {
		fmt.Fprintf(&b, " %q", e.Value)
	}
	b.WriteString(": " + e.Reason)
	return b.String()
}

// ErrNoRelationship is matched by every *RelationshipError.
var ErrNoRelationship = errors.New("sharing: no usable organization relationship")

// RelationshipError is returned by RelationshipFor when there is no
// relationship this organization can use to ask the partner for free/busy.
type RelationshipError struct {
	// Domain is the partner domain asked about.
	Domain string
	// Name is the relationship found for Domain, "" if none.
	Name string
	// Reason is "" when there is none, else why it cannot be used.
	Reason string
}

func (e *RelationshipError) Error() string {
	if e.Name == "" {
		return fmt.Sprintf("sharing: no organization relationship for %s", e.Domain)
	}
	return fmt.Sprintf("sharing: organization relationship %q for %s %s", e.Name, e.Domain, e.Reason)
}

// Is lets errors.Is(err, ErrNoRelationship) match.
func (e *RelationshipError) Is(target error) bool { return target == ErrNoRelationship }

// normalizeDomain validates an SMTP domain and returns its compared form.
// The reason of its error is written to follow a quoted value.
func normalizeDomain(d string) (string, error) {
	n, err := dnsname.Normalize(d)
	if err != nil {
		var de *dnsname.Error
		if errors.As(err, &de) {
			return "", errors.New("not a domain name: " + de.Reason)
		}
		return "", err
	}
	return n, nil
}
