// Package required reports missing configuration fields in one style across
// fedavail's constructors: one error per missing field, worded
// "pkg: Type.Field is required", all of them at once (errors.Join), so an
// administrator fixes a configuration in one pass.
//
//	req := required.For("federation: HandlerConfig")
//	req.Need(cfg.Keys != nil, "Keys")
//	req.Need(len(cfg.Domains) > 0, "Domains")
//	if err := req.Err(); err != nil {
//		return nil, err
//	}
package required

import "errors"

// Fields collects the problems of one configuration value.
type Fields struct {
	prefix string
	errs   []error
}

// For starts a check of the configuration type prefix names, for example
// "federation: HandlerConfig".
func For(prefix string) *Fields { return &Fields{prefix: prefix} }

// Need records "prefix.field is required" unless ok.
func (f *Fields) Need(ok bool, field string) {
	if !ok {
		f.errs = append(f.errs, errors.New(f.prefix+"."+field+" is required"))
	}
}

// Add records err if it is not nil: a package's own sentinel for a missing
// field, or another problem found while checking.
func (f *Fields) Add(err error) {
	if err != nil {
		f.errs = append(f.errs, err)
	}
}

// Err returns every recorded problem joined, or nil.
func (f *Fields) Err() error { return errors.Join(f.errs...) }
