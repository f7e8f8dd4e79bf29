package realparts

import "testing"

// Chromium returns the path of Debian's Chromium (package chromium), or
// skips the test (fails it in CI).
func Chromium(tb testing.TB) string {
	tb.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p := lookPath(name); p != "" {
			return p
		}
	}
	return Require(tb, "chromium", "chromium")
}

// ChromiumFlags are the switches Chromium needs here, as root on a machine
// with no network but loopback: headless, no sandbox (root), no GPU, and
// none of the background connections it would otherwise keep trying. Pass
// each as a boolean flag, with a fresh user data directory per run.
var ChromiumFlags = []string{
	"headless", "no-sandbox", "disable-gpu", "no-first-run", "disable-background-networking",
	"disable-component-update", "disable-sync", "disable-quic", "disable-extensions", "disable-dev-shm-usage",
}
