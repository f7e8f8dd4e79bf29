package fedtest_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/fedavail/fedavail/fedtest"
)

func TestLogBufferConcurrentWriters(t *testing.T) {
	var logs fedtest.LogBuffer
	log := logs.Logger()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				log.Debug("step", "writer", i, "n", j)
			}
		})
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(logs.String(), "\n"), "\n")
	if len(lines) != 8*50 {
		t.Fatalf("got %d lines, want %d", len(lines), 8*50)
	}
	for _, l := range lines {
		if !strings.Contains(l, "level=DEBUG msg=step writer=") {
			t.Fatalf("line is torn or lost its debug level: %q", l)
		}
	}
}

func ExampleLogBuffer() {
	var logs fedtest.LogBuffer
	log := logs.Logger()
	log.Debug("token refused", "reason", "expired")
	fmt.Println(strings.Contains(logs.String(), "reason=expired"))
	// Output: true
}
