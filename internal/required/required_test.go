package required

import (
	"errors"
	"testing"
)

func TestFields(t *testing.T) {
	sentinel := errors.New("pkg: Config.Policy is required")
	tests := []struct {
		name  string
		check func(*Fields)
		want  string
	}{
		{"nothing missing", func(f *Fields) { f.Need(true, "A"); f.Add(nil) }, ""},
		{"one missing", func(f *Fields) { f.Need(false, "A"); f.Need(true, "B") }, "pkg: Config.A is required"},
		{"every problem at once, in order", func(f *Fields) {
			f.Need(false, "A")
			f.Add(sentinel)
			f.Need(false, "B")
		}, "pkg: Config.A is required\npkg: Config.Policy is required\npkg: Config.B is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := For("pkg: Config")
			tt.check(f)
			err := f.Err()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("Err() = %q, want %q", got, tt.want)
			}
		})
	}
	f := For("pkg: Config")
	f.Add(sentinel)
	f.Need(false, "A")
	if !errors.Is(f.Err(), sentinel) {
		t.Error("a joined sentinel is not matched by errors.Is")
	}
}
