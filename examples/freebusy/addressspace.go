package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/fedavail/fedavail/federation"
)

// addressSpacesFile is the file in the state directory that holds the
// availability address spaces when -address-spaces does not name one.
const addressSpacesFile = "addressspaces.json"

// loadAddressSpaces reads a JSON array of federation.AddressSpace (fields
// ForestName, AccessMethod, Username, Password, TargetAutodiscoverEpr) from
// path, or from the state directory's addressspaces.json when path is
// empty; a missing default file means none. The file holds passwords: it
// must not be readable by others.
func loadAddressSpaces(path, dir string) ([]federation.AddressSpace, error) {
	explicit := path != ""
	if !explicit {
		path = filepath.Join(dir, addressSpacesFile)
	}
	data, err := os.ReadFile(path)
	switch {
	case !explicit && errors.Is(err, os.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("address spaces: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("address spaces: %s holds passwords and is readable by others (mode %v); chmod 600 it", path, fi.Mode().Perm())
	}
	var list []federation.AddressSpace
	if err := json.Unmarshal(data, &list); err != nil {
		// The JSON error may quote a value: say where, not what.
		return nil, fmt.Errorf("address spaces: %s is not a JSON array of address spaces", path)
	}
	return list, nil
}
