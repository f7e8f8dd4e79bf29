package racetest

import (
	"runtime"
	"sync/atomic"
	"testing"
)

func TestReadDuringReadsUntilWriteReturns(t *testing.T) {
	var reads atomic.Int64
	var returned atomic.Bool
	ReadDuring(4, func() bool {
		if returned.Load() {
			t.Error("a reader ran after ReadDuring returned")
			return false
		}
		reads.Add(1)
		return true
	}, func() {
		for reads.Load() < 100 { // the readers run while write does
			runtime.Gosched()
		}
	})
	returned.Store(true)
}

func TestReadDuringStopsEarlyReaders(t *testing.T) {
	var reads atomic.Int64
	ReadDuring(3, func() bool { reads.Add(1); return false }, func() {})
	if got := reads.Load(); got > 3 {
		t.Errorf("%d reads, want at most one per reader", got)
	}
}
