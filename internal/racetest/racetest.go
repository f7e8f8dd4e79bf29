// Package racetest helps tests check that readers never see a half-made
// change: it keeps readers busy on other goroutines while the test changes
// what they read, so that the race detector and the readers' own checks
// both get their chance.
package racetest

import "sync"

// ReadDuring calls read over and over on each of readers goroutines while
// write runs on the calling goroutine, then stops the readers and waits for
// them. A read that returns false stops its goroutine; it should have
// reported why (t.Error, not t.Fatal, which must not be called off the test's
// goroutine). write may call t.Fatal: the readers are stopped all the same.
func ReadDuring(readers int, read func() bool, write func()) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(stop)
	for range readers {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if !read() {
					return
				}
			}
		})
	}
	write()
}
