package ui

import "testing"

// TestCountOf: numbers get thousands separators and their noun agrees.
func TestCountOf(t *testing.T) {
	for _, c := range []struct {
		n    int
		want string
	}{{0, "0 members"}, {1, "1 member"}, {2, "2 members"}, {10446, "10,446 members"}, {1234567, "1,234,567 members"}} {
		if got := countOf(c.n, "member"); got != c.want {
			t.Errorf("countOf(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}
