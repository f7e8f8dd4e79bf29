package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fedavail/fedavail/federation"
)

func TestLoadAddressSpaces(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.json", `[{"ForestName":"woodgrove.example","AccessMethod":"OrgWideFBBasic","Username":"WOODGROVE\\fb","Password":"hunter2-pw","TargetAutodiscoverEpr":"https://autodiscover.woodgrove.example/autodiscover/autodiscover.xml"}]`, 0o600)
	open := write("open.json", `[]`, 0o644)
	bad := write("bad.json", `[{"ForestName":"woodgrove.example","Password":"hunter2-pw",]`, 0o600)

	got, err := loadAddressSpaces(good, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []federation.AddressSpace{{ForestName: "woodgrove.example", AccessMethod: federation.OrgWideFBBasic, Username: `WOODGROVE\fb`, Password: "hunter2-pw", TargetAutodiscoverEpr: "https://autodiscover.woodgrove.example/autodiscover/autodiscover.xml"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	if got, err := loadAddressSpaces("", t.TempDir()); err != nil || got != nil {
		t.Errorf("no file in the state directory: %v, %v; want none", got, err)
	}
	for name, path := range map[string]string{"missing": filepath.Join(dir, "missing.json"), "readable by others": open, "not JSON": bad} {
		_, err := loadAddressSpaces(path, "")
		if err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: the error shows the password: %v", name, err)
		}
	}
}
