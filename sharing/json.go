package sharing

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// ParseJSON reads a configuration file and validates it. Unknown fields are
// errors, so a misspelt setting is not silently ignored; Enabled defaults to
// true where absent. Field names are Exchange's property names.
func ParseJSON(data []byte) (Config, error) {
	var c Config
	if err := decodeStrict(data, &c); err != nil {
		return Config{}, fmt.Errorf("sharing: configuration: %w", describeJSONError(data, err))
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// LoadFile reads and validates a JSON configuration file.
func LoadFile(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("sharing: %w", err)
	}
	c, err := ParseJSON(data)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// FormatJSON writes c in the form ParseJSON reads, indented, with every
// field present so the file documents the settings it does not change.
func FormatJSON(c Config) ([]byte, error) {
	c = c.Clone()
	// Write empty lists as [] rather than null.
	for i := range c.OrganizationRelationships {
		c.OrganizationRelationships[i].DomainNames = nonNil(c.OrganizationRelationships[i].DomainNames)
	}
	for i := range c.SharingPolicies {
		c.SharingPolicies[i].Domains = nonNil(c.SharingPolicies[i].Domains)
	}
	for i := range c.Mailboxes {
		c.Mailboxes[i].Grants = nonNil(c.Mailboxes[i].Grants)
	}
	for i := range c.Groups {
		c.Groups[i].Members = nonNil(c.Groups[i].Members)
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("sharing: %w", err)
	}
	return append(b, '\n'), nil
}

// decodeStrict decodes one JSON value, rejecting unknown fields and
// trailing data.
func decodeStrict(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return errors.New("data after the top-level value")
	}
	return nil
}

// describeJSONError adds the line and column to a syntax or type error.
func describeJSONError(data []byte, err error) error {
	var off int64
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	default:
		return err
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := int(off) - bytes.LastIndexByte(data[:off], '\n')
	return fmt.Errorf("line %d, column %d: %w", line, col, err)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
