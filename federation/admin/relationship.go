package admin

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/sharing"
)

// FederationInformation is what a partner's Autodiscover publishes about
// its federation (Get-FederationInformation): how the trust broker knows it
// and its federated domains.
type FederationInformation struct {
	// ApplicationURI is the partner's application URI, e.g.
	// "FYDIBOHF25SPDLT.fabrikam.com".
	ApplicationURI string
	// DomainNames are the partner's federated domains.
	DomainNames []string
	// TargetAutodiscoverEpr is the partner's Autodiscover WSSecurity endpoint.
	TargetAutodiscoverEpr string
	// TokenIssuerURIs are the trust brokers the partner accepts tokens
	// from: a relationship works only if this organization's broker
	// (TrustConfig.TokenIssuerURI) is among them. NewRelationship does not
	// use them.
	TokenIssuerURIs []string
}

// NewRelationship returns the organization relationship
// Get-FederationInformation | New-OrganizationRelationship makes: enabled,
// free/busy enabled at AvailabilityOnly (time only), for the partner's
// domains, application URI and Autodiscover endpoint.
func NewRelationship(name string, fi FederationInformation) sharing.OrganizationRelationship {
	return sharing.OrganizationRelationship{
		Name:                  name,
		DomainNames:           slices.Clone(fi.DomainNames),
		Enabled:               true,
		FreeBusyAccessEnabled: true,
		FreeBusyAccessLevel:   fedavail.AccessAvailabilityOnly,
		TargetApplicationURI:  fi.ApplicationURI,
		TargetAutodiscoverEpr: fi.TargetAutodiscoverEpr,
	}
}

// RelationshipChange lists the settings Set-OrganizationRelationship
// changes; nil fields stay as they are.
type RelationshipChange struct {
	DomainNames           []string
	Enabled               *bool
	FreeBusyAccessEnabled *bool
	FreeBusyAccessLevel   *fedavail.AccessLevel
	FreeBusyAccessScope   *string
	TargetApplicationURI  *string
	TargetAutodiscoverEpr *string
	TargetSharingEpr      *string
}

func (c RelationshipChange) apply(r *sharing.OrganizationRelationship) {
	if c.DomainNames != nil {
		r.DomainNames = slices.Clone(c.DomainNames)
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	if c.Enabled != nil {
		r.Enabled = *c.Enabled
	}
	if c.FreeBusyAccessEnabled != nil {
		r.FreeBusyAccessEnabled = *c.FreeBusyAccessEnabled
	}
	if c.FreeBusyAccessLevel != nil {
		r.FreeBusyAccessLevel = *c.FreeBusyAccessLevel
	}
	set(&r.FreeBusyAccessScope, c.FreeBusyAccessScope)
	set(&r.TargetApplicationURI, c.TargetApplicationURI)
	set(&r.TargetAutodiscoverEpr, c.TargetAutodiscoverEpr)
	set(&r.TargetSharingEpr, c.TargetSharingEpr)
}

// Relationships returns the organization relationships of the sharing
// configuration file; [sharing.FormatRelationships] prints them in the form
// sharing.ParseRelationships reads back.
func (o *Org) Relationships() ([]sharing.OrganizationRelationship, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	cfg, err := o.loadSharing()
	if err != nil {
		return nil, err
	}
	return cfg.OrganizationRelationships, nil
}

// AddRelationship adds r to the sharing configuration file, as
// New-OrganizationRelationship. A relationship with the same name, or one
// already covering one of its domains, is refused.
func (o *Org) AddRelationship(r sharing.OrganizationRelationship) error {
	return o.editSharing(func(cfg *sharing.Config) error {
		for _, old := range cfg.OrganizationRelationships {
			if strings.EqualFold(old.Name, r.Name) {
				return fail(ErrRelationshipExists, nil, fmt.Sprintf("an organization relationship named %q already exists", old.Name),
					"use relationship set to change it, or another -name")
			}
			for _, d := range r.DomainNames {
				if slices.ContainsFunc(old.DomainNames, func(od string) bool { return strings.EqualFold(od, d) }) {
					return fail(ErrRelationshipExists, nil, fmt.Sprintf("relationship %q already covers %s", old.Name, d),
						"a domain can be in one relationship only: change that one with relationship set")
				}
			}
		}
		cfg.OrganizationRelationships = append(cfg.OrganizationRelationships, r)
		return nil
	})
}

// SetRelationship changes the relationship named name, as
// Set-OrganizationRelationship.
func (o *Org) SetRelationship(name string, c RelationshipChange) error {
	return o.editSharing(func(cfg *sharing.Config) error {
		i, err := findRelationship(cfg, name)
		if err != nil {
			return err
		}
		c.apply(&cfg.OrganizationRelationships[i])
		return nil
	})
}

// RemoveRelationship removes the relationship named name, as
// Remove-OrganizationRelationship.
func (o *Org) RemoveRelationship(name string) error {
	return o.editSharing(func(cfg *sharing.Config) error {
		i, err := findRelationship(cfg, name)
		if err != nil {
			return err
		}
		cfg.OrganizationRelationships = slices.Delete(cfg.OrganizationRelationships, i, i+1)
		return nil
	})
}

func findRelationship(cfg *sharing.Config, name string) (int, error) {
	var names []string
	for i, r := range cfg.OrganizationRelationships {
		if strings.EqualFold(r.Name, name) {
			return i, nil
		}
		names = append(names, fmt.Sprintf("%q", r.Name))
	}
	have := "there are none"
	if len(names) > 0 {
		have = "there are " + strings.Join(names, ", ")
	}
	return -1, fail(ErrNoRelationship, nil, fmt.Sprintf("no organization relationship named %q (%s)", name, have), "run relationship list to see the names")
}

// editSharing applies edit to the sharing configuration, validates the
// result and writes it atomically; an invalid result is not written.
func (o *Org) editSharing(edit func(*sharing.Config) error) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	s, err := o.loadState()
	if err != nil {
		return err
	}
	if s.Defederating {
		return fail(ErrDefederating, nil, "a de-federation was started and not finished", "run defederate again to finish it")
	}
	cfg, err := o.loadSharing()
	if err != nil {
		return err
	}
	if err := edit(&cfg); err != nil {
		return err
	}
	return o.saveSharing(cfg)
}

func (o *Org) loadSharing() (sharing.Config, error) {
	data, err := os.ReadFile(o.SharingFile())
	if errors.Is(err, fs.ErrNotExist) {
		return sharing.Config{}, nil
	}
	if err != nil {
		return sharing.Config{}, o.storageErr(err, "read", sharingFile)
	}
	cfg, err := sharing.ParseJSON(data)
	if err != nil {
		return sharing.Config{}, fail(ErrInvalid, err, fmt.Sprintf("%s is not valid", o.SharingFile()), "correct the file by hand or restore it")
	}
	return cfg, nil
}

func (o *Org) saveSharing(cfg sharing.Config) error {
	if err := cfg.Validate(); err != nil {
		return fail(ErrInvalid, err, "the sharing configuration would not be valid", "correct the values named and retry")
	}
	data, err := sharing.FormatJSON(cfg)
	if err != nil {
		return fail(ErrInvalid, err, "encode the sharing configuration", "")
	}
	if err := writeFile(o.SharingFile(), data, 0o600); err != nil {
		return o.storageErr(err, "write", sharingFile)
	}
	return nil
}

// AcceptsIssuer reports whether the partner accepts tokens from the trust
// broker whose issuer URI is issuer. A relationship with a partner that
// does not is refused at the partner's servers (Exchange's
// EnforceCommonTokenIssuer).
func (fi FederationInformation) AcceptsIssuer(issuer string) bool {
	return slices.ContainsFunc(fi.TokenIssuerURIs, func(u string) bool {
		return strings.EqualFold(strings.TrimSpace(u), strings.TrimSpace(issuer))
	})
}
