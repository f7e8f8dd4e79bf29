package fedavail_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The README's walkthrough shows the commands scripts/walkthrough.sh runs
// between its "# >>>" and "# <<<" markers, which CI runs: they must not
// drift apart.
func TestREADMEWalkthroughIsTheScript(t *testing.T) {
	script, err := os.ReadFile("scripts/walkthrough.sh")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile(`(?s)# >>> (.*?)\n(.*?)# <<<`).FindAllStringSubmatch(string(script), -1)
	if len(blocks) < 9 {
		t.Fatalf("scripts/walkthrough.sh has %d marked blocks, want the 9 steps", len(blocks))
	}
	for _, b := range blocks {
		var lines []string
		for _, l := range strings.Split(b[2], "\n") {
			trimmed := strings.TrimSpace(l)
			if trimmed == "" || strings.HasPrefix(trimmed, "step ") || strings.HasPrefix(trimmed, "pids+=") {
				continue // the script's own narration and bookkeeping
			}
			lines = append(lines, l)
		}
		want := "# " + b[1] + "\n" + strings.Join(lines, "\n")
		if !strings.Contains(string(readme), want) {
			t.Errorf("README.md lacks the walkthrough step as the script runs it:\n%s", want)
		}
	}
}
