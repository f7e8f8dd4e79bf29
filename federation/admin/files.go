package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Names inside the state directory.
const (
	stateFile   = "federation.json" // certificate slots, trust, domains
	sharingFile = "sharing.json"    // organization relationships (package sharing)
	certDir     = "certs"           // <thumbprint>.pem and <thumbprint>.key
)

// writeFile replaces path atomically: a temporary file in the same
// directory is written with perm, synced and renamed over path, and the
// directory is synced, so after a crash path holds the old or the new
// content, never a mix.
func writeFile(path string, data []byte, perm fs.FileMode) error {
	dir, base := filepath.Split(path)
	tmp, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(perm); err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	ok = true
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// state is the content of federation.json. Changing it is one atomic write,
// which is what makes every operation crash-safe: certificates are files
// named by thumbprint that are written before the state refers to them, and
// a slot change (rollover) is a change of this file only.
type state struct {
	Version int `json:"version"`
	// Current, Next and Previous are thumbprints of files under certs/.
	Current  string `json:"current_certificate,omitempty"`
	Next     string `json:"next_certificate,omitempty"`
	Previous string `json:"previous_certificate,omitempty"`
	// Installing, Switching and Finishing say which rollover step has
	// its local half done and its broker half perhaps not, so that calling
	// Rollover again finishes that step instead of taking the next one.
	// Installing: Next is written, the broker may not list it yet.
	Installing bool `json:"installing,omitempty"`
	// Switching: the local slots are switched, the broker's not yet.
	Switching bool `json:"switching,omitempty"`
	// Finishing: Previous is dropped, the broker may still list it.
	Finishing bool `json:"finishing,omitempty"`
	// Trust is nil until Trust succeeds.
	Trust *TrustConfig `json:"trust,omitempty"`
	// SwitchedAt is when the last rollover made the next certificate
	// current, for the wait before it may finish (Org.FinishAfter).
	SwitchedAt time.Time `json:"switched_at,omitzero"`
	// Defederating is set by Defederate before its first step and cleared
	// after its last.
	Defederating bool `json:"defederating,omitempty"`
}

func (o *Org) loadState() (*state, error) {
	data, err := os.ReadFile(filepath.Join(o.dir, stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return &state{Version: 1}, nil
	}
	if err != nil {
		return nil, o.storageErr(err, "read", stateFile)
	}
	var s state
	if err := json.Unmarshal(data, &s); err != nil || s.Version != 1 {
		if err == nil {
			err = fmt.Errorf("version %d, want 1", s.Version)
		}
		return nil, fail(ErrStorage, err, fmt.Sprintf("%s is corrupt", filepath.Join(o.dir, stateFile)),
			"restore it from a backup")
	}
	return &s, nil
}

func (o *Org) saveState(s *state) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fail(ErrStorage, err, "encode state", "")
	}
	if err := writeFile(filepath.Join(o.dir, stateFile), append(data, '\n'), 0o600); err != nil {
		return o.storageErr(err, "write", stateFile)
	}
	return nil
}

func (o *Org) storageErr(err error, verb, name string) *Error {
	return fail(ErrStorage, err, fmt.Sprintf("cannot %s %s", verb, filepath.Join(o.dir, name)),
		fmt.Sprintf("check that %s exists and is writable by you (mode 0700), or pass another -dir", o.dir))
}
