package caldav

import "testing"

func TestObjectCacheEvictsLeastRecentlyUsed(t *testing.T) {
	c := newObjectCache(100)
	put := func(path string, size int64) { c.put(&calEntry{path: path, version: "1", size: size}) }
	put("/a/", 40)
	put("/b/", 40)
	c.get("/a/") // a is now the most recent
	put("/c/", 40)
	if c.get("/b/") != nil {
		t.Error("b, the least recently used, was kept over budget")
	}
	if c.get("/a/") == nil || c.get("/c/") == nil {
		t.Error("a or c was evicted")
	}
	if got := c.bytes(); got != 80 {
		t.Errorf("cache holds %d bytes, want 80", got)
	}
	put("/a/", 10) // replacing an entry counts its new size only
	if got := c.bytes(); got != 50 {
		t.Errorf("cache holds %d bytes after replacing a, want 50", got)
	}
}
