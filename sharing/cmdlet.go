package sharing

import (
	"errors"
	"fmt"
	"strings"

	"github.com/fedavail/fedavail"
	"github.com/fedavail/fedavail/internal/pslist"
)

// This file reads and writes the text of
//
//	Get-OrganizationRelationship | Format-List
//	Get-SharingPolicy | Format-List
//
// so an administrator can paste what Exchange shows. Properties fedavail
// does not use (RunspaceId, MailTipsAccessEnabled, …) are skipped; lines
// PowerShell wrapped are joined; lists cut short by $FormatEnumerationLimit
// ("…" or "...") are refused, because guessing the rest would be wrong.

// relationshipKeys are written in the order Format-List shows them.
var relationshipKeys = []string{
	"DomainNames", "FreeBusyAccessEnabled", "FreeBusyAccessLevel", "FreeBusyAccessScope",
	"TargetApplicationUri", "TargetSharingEpr", "TargetAutodiscoverEpr", "Enabled", "Name",
}

var policyKeys = []string{"Domains", "Enabled", "Default", "Name"}

// FormatRelationships writes relationships as Format-List does, one block
// per relationship, blocks separated by a blank line.
func FormatRelationships(rs []OrganizationRelationship) string {
	var blocks []string
	for _, r := range rs {
		blocks = append(blocks, formatBlock(relationshipKeys, map[string]string{
			"DomainNames":           formatList(r.DomainNames),
			"FreeBusyAccessEnabled": formatBool(r.FreeBusyAccessEnabled),
			"FreeBusyAccessLevel":   r.FreeBusyAccessLevel.String(),
			"FreeBusyAccessScope":   r.FreeBusyAccessScope,
			"TargetApplicationUri":  r.TargetApplicationURI,
			"TargetSharingEpr":      r.TargetSharingEpr,
			"TargetAutodiscoverEpr": r.TargetAutodiscoverEpr,
			"Enabled":               formatBool(r.Enabled),
			"Name":                  r.Name,
		}))
	}
	return strings.Join(blocks, "\n")
}

// FormatSharingPolicies writes policies as Format-List does.
func FormatSharingPolicies(ps []SharingPolicy) string {
	var blocks []string
	for _, p := range ps {
		entries := make([]string, len(p.Domains))
		for i, d := range p.Domains {
			entries[i] = d.String()
		}
		blocks = append(blocks, formatBlock(policyKeys, map[string]string{
			"Domains": formatList(entries),
			"Enabled": formatBool(p.Enabled),
			"Default": formatBool(p.Default),
			"Name":    p.Name,
		}))
	}
	return strings.Join(blocks, "\n")
}

// ParseRelationships reads Get-OrganizationRelationship | Format-List output
// and validates each relationship. Enabled defaults to true when absent.
func ParseRelationships(text string) ([]OrganizationRelationship, error) {
	blocks, err := parseBlocks(text)
	if err != nil {
		return nil, err
	}
	var out []OrganizationRelationship
	var errs []error
	for i, b := range blocks {
		r := OrganizationRelationship{Enabled: true}
		bad := func(key string, err error) {
			errs = append(errs, fmt.Errorf("sharing: relationship block %d (line %d): %s: %w", i+1, b.line[key], key, err))
		}
		for _, key := range b.order {
			v, err := b.values[key], error(nil)
			switch key {
			case "Name":
				r.Name = v
			case "DomainNames":
				r.DomainNames, err = parseList(v)
			case "Enabled":
				r.Enabled, err = parseBool(v)
			case "FreeBusyAccessEnabled":
				r.FreeBusyAccessEnabled, err = parseBool(v)
			case "FreeBusyAccessLevel":
				r.FreeBusyAccessLevel = fedavail.AccessNone
				if v != "" {
					r.FreeBusyAccessLevel, err = fedavail.ParseAccessLevel(v)
				}
			case "FreeBusyAccessScope":
				r.FreeBusyAccessScope = v
			case "TargetApplicationUri":
				r.TargetApplicationURI = v
			case "TargetSharingEpr":
				r.TargetSharingEpr = v
			case "TargetAutodiscoverEpr":
				r.TargetAutodiscoverEpr = v
			}
			if err != nil {
				bad(key, err)
			}
		}
		errs = append(errs, r.validate(i)...)
		out = append(out, r)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// ParseSharingPolicies reads Get-SharingPolicy | Format-List output and
// validates each policy. In Domains, an item without a colon is a further
// action of the entry before it, as Exchange prints them
// ("{contoso.com:CalendarSharingFreeBusyDetail, ContactsSharing, *:…}").
func ParseSharingPolicies(text string) ([]SharingPolicy, error) {
	blocks, err := parseBlocks(text)
	if err != nil {
		return nil, err
	}
	var out []SharingPolicy
	var errs []error
	for i, b := range blocks {
		p := SharingPolicy{Enabled: true}
		for _, key := range b.order {
			v, err := b.values[key], error(nil)
			switch key {
			case "Name":
				p.Name = v
			case "Domains":
				p.Domains, err = parsePolicyDomains(v)
			case "Enabled":
				p.Enabled, err = parseBool(v)
			case "Default":
				p.Default, err = parseBool(v)
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("sharing: sharing policy block %d (line %d): %s: %w", i+1, b.line[key], key, err))
			}
		}
		errs = append(errs, p.validate(i)...)
		out = append(out, p)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

func parsePolicyDomains(v string) ([]SharingPolicyDomain, error) {
	items, err := parseList(v)
	if err != nil {
		return nil, err
	}
	var out []SharingPolicyDomain
	for _, it := range items {
		if !strings.Contains(it, ":") {
			if len(out) == 0 {
				return nil, fmt.Errorf("%q: an action without a domain before it", it)
			}
			a, err := ParseSharingAction(it)
			if err != nil {
				return nil, err
			}
			last := &out[len(out)-1]
			last.Actions = append(last.Actions, a)
			continue
		}
		d, err := ParseSharingPolicyDomain(it)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// block is one object of Format-List output.
type block struct {
	values map[string]string
	line   map[string]int // where each key was, for messages
	order  []string       // keys in the order given, for stable messages
}

// parseBlocks splits Format-List output into objects: "Key : Value" lines,
// objects separated by blank lines, indented lines continuing the value
// above.
func parseBlocks(text string) ([]block, error) {
	var blocks []block
	var cur *block
	var last string
	for n, raw := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line := strings.TrimRight(raw, " \t")
		if line == "" {
			cur = nil
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && cur != nil && last != "" {
			// PowerShell wraps long values at the console width, breaking
			// anywhere; join without adding anything.
			cur.values[last] += strings.TrimSpace(line)
			continue
		}
		key, val, ok := strings.Cut(line, ":")
		key = strings.TrimSpace(key)
		if !ok || key == "" || strings.ContainsAny(key, " \t") {
			return nil, fmt.Errorf("sharing: line %d: %q is not \"Property : Value\"", n+1, line)
		}
		if cur == nil {
			blocks = append(blocks, block{values: map[string]string{}, line: map[string]int{}})
			cur = &blocks[len(blocks)-1]
		}
		if _, dup := cur.values[key]; dup {
			return nil, fmt.Errorf("sharing: line %d: %s appears twice in one object (separate objects with a blank line)", n+1, key)
		}
		cur.values[key] = strings.TrimSpace(val)
		cur.line[key] = n + 1
		cur.order = append(cur.order, key)
		last = key
	}
	return blocks, nil
}

func formatBlock(keys []string, values map[string]string) string { return pslist.Format(keys, values) }

func formatList(items []string) string { return "{" + strings.Join(items, ", ") + "}" }

// parseList reads "{a, b}" (or a bare single value).
func parseList(v string) ([]string, error) {
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "{") {
		if !strings.HasSuffix(v, "}") {
			return nil, fmt.Errorf("%q: list without a closing }", v)
		}
		v = v[1 : len(v)-1]
	}
	if strings.HasSuffix(v, "...") || strings.HasSuffix(v, "…") {
		return nil, fmt.Errorf("the list was cut short by PowerShell ($FormatEnumerationLimit); set $FormatEnumerationLimit = -1 and run the command again")
	}
	var out []string
	for _, it := range strings.Split(v, ",") {
		if it = strings.TrimSpace(it); it != "" {
			out = append(out, it)
		}
	}
	return out, nil
}

func formatBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "$true":
		return true, nil
	case "false", "$false":
		return false, nil
	}
	return false, fmt.Errorf("%q: want True or False", v)
}
