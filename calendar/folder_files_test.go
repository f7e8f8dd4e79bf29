package calendar

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/fedavail/fedavail"
)

const oneItem = "BEGIN:VEVENT\nUID:1\nDTSTART:20240101T090000Z\nDTEND:20240101T100000Z\nEND:VEVENT"

func writeCal(t *testing.T, dir, mailbox, body string) string {
	t.Helper()
	p := filepath.Join(dir, mailbox+".ics")
	if err := os.WriteFile(p, ics(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestFolderRefusesSpecialFiles covers issue 12.6: what is not a regular
// file inside the folder is a *ParseError naming it, at once.
func TestFolderRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	writeCal(t, dir, "alice@example.com", oneItem)
	writeCal(t, outside, "secret", oneItem)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(syscall.Mkfifo(filepath.Join(dir, "fifo@example.com.ics"), 0o600))
	must(os.Symlink("/dev/zero", filepath.Join(dir, "zero@example.com.ics")))
	must(os.Symlink(filepath.Join(outside, "secret.ics"), filepath.Join(dir, "out@example.com.ics")))
	must(os.Symlink("../"+filepath.Base(outside)+"/secret.ics", filepath.Join(dir, "rel@example.com.ics")))
	must(os.Mkdir(filepath.Join(dir, "dir@example.com.ics"), 0o700))
	must(os.Symlink("alice@example.com.ics", filepath.Join(dir, "alias@example.com.ics")))
	must(os.Symlink("nowhere.ics", filepath.Join(dir, "dangling@example.com.ics")))

	f := &Folder{Dir: dir}
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, mailbox := range []string{"fifo", "zero", "out", "rel", "dir"} {
		addr := mailbox + "@example.com"
		_, err := f.Events(t.Context(), addr, t0, t0.Add(24*time.Hour))
		var pe *ParseError
		if !errors.As(err, &pe) || pe.File != filepath.Join(dir, addr+".ics") || !errors.Is(err, errNotRegular) {
			t.Errorf("%s: err = %v, want *ParseError: not a regular file", addr, err)
		}
	}
	if got, err := f.Events(t.Context(), "alias@example.com", t0, t0.Add(24*time.Hour)); err != nil || len(got) != 1 {
		t.Errorf("link inside the folder: %v, %v; want its one item", got, err)
	}
	if _, err := f.Events(t.Context(), "dangling@example.com", t0, t0.Add(24*time.Hour)); !errors.Is(err, ErrMailboxNotFound) {
		t.Errorf("dangling link: err = %v, want ErrMailboxNotFound", err)
	}

	small := &Folder{Dir: dir, MaxFileSize: 16}
	var le *fedavail.LimitError
	if _, err := small.Events(t.Context(), "alice@example.com", t0, t0.Add(24*time.Hour)); !errors.As(err, &le) || le.Limit != 16 {
		t.Errorf("file over MaxFileSize: err = %v, want *fedavail.LimitError", err)
	}
}

// TestFolderStalledFile: a load that does not return holds up only its
// mailbox's requests, each for as long as its context allows; the same
// mailbox is loaded once however many requests ask.
func TestFolderStalledFile(t *testing.T) {
	dir := t.TempDir()
	stuck := writeCal(t, dir, "stuck@example.com", oneItem)
	writeCal(t, dir, "alice@example.com", oneItem)
	release := make(chan struct{})
	var stuckReads atomic.Int32
	testHookRead = func(p string) {
		if p == stuck {
			stuckReads.Add(1)
			<-release
		}
	}
	t.Cleanup(func() { testHookRead = nil })

	f := &Folder{Dir: dir}
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
			defer cancel()
			_, err := f.Events(ctx, "stuck@example.com", t0, t0.Add(24*time.Hour))
			errs <- err
		})
	}
	// Meanwhile another mailbox answers.
	if got, err := f.Events(t.Context(), "alice@example.com", t0, t0.Add(24*time.Hour)); err != nil || len(got) != 1 {
		t.Errorf("other mailbox while one is stuck: %v, %v", got, err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("request for the stuck mailbox: err = %v, want its deadline", err)
		}
	}
	if n := stuckReads.Load(); n != 1 {
		t.Errorf("the stuck file was read %d times, want once for all requests", n)
	}
	close(release)
	if got, err := f.Events(t.Context(), "stuck@example.com", t0, t0.Add(24*time.Hour)); err != nil || len(got) != 1 {
		t.Errorf("after the file system recovers: %v, %v", got, err)
	}
}

// TestFolderCacheBudget: the parsed calendars stay within MaxCacheBytes,
// the least recently used leave first, and a dropped one is parsed again.
func TestFolderCacheBudget(t *testing.T) {
	dir := t.TempDir()
	for i := range 50 {
		writeCal(t, dir, fmt.Sprintf("m%d@example.com", i), oneItem)
	}
	var reads atomic.Int32
	testHookRead = func(string) { reads.Add(1) }
	t.Cleanup(func() { testHookRead = nil })
	f := &Folder{Dir: dir}
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	get := func(i int) {
		t.Helper()
		if got, err := f.Events(t.Context(), fmt.Sprintf("m%d@example.com", i), t0, t0.Add(24*time.Hour)); err != nil || len(got) != 1 {
			t.Fatalf("m%d: %v, %v", i, got, err)
		}
	}
	get(0)
	one, n := f.CacheBytes()
	if n != 1 || one <= 0 {
		t.Fatalf("after one load: %d bytes in %d calendars", one, n)
	}
	f.MaxCacheBytes = 10 * one
	for i := range 50 {
		get(i)
		get(0) // kept in use
	}
	if bytes, n := f.CacheBytes(); bytes > f.MaxCacheBytes || n > 10 {
		t.Errorf("cache holds %d bytes in %d calendars, budget %d", bytes, n, f.MaxCacheBytes)
	}
	before := reads.Load()
	get(0)
	if reads.Load() != before {
		t.Error("the most used calendar was evicted")
	}
	get(1)
	if reads.Load() != before+1 {
		t.Error("an evicted calendar was not read again")
	}
}

// TestFolderLinkSwappedWhileRead: a link re-pointed out of the folder
// between the check and the open is refused, not read.
func TestFolderLinkSwappedWhileRead(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	writeCal(t, dir, "alice@example.com", oneItem)
	secret := writeCal(t, outside, "secret", oneItem)
	link := filepath.Join(dir, "link@example.com.ics")
	if err := os.Symlink("alice@example.com.ics", link); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	testHookRead = func(p string) {
		if p != link {
			return
		}
		once.Do(func() {
			tmp := link + ".new"
			if err := os.Symlink(secret, tmp); err != nil {
				t.Error(err)
			}
			if err := os.Rename(tmp, link); err != nil {
				t.Error(err)
			}
		})
	}
	t.Cleanup(func() { testHookRead = nil })
	f := &Folder{Dir: dir}
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := f.Events(t.Context(), "link@example.com", t0, t0.Add(24*time.Hour)); !errors.Is(err, errNotRegular) {
		t.Errorf("err = %v, want the swapped link refused", err)
	}
}
