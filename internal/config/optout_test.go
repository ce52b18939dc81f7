package config

import (
	"slices"
	"strings"
	"testing"
)

// TestOptOutKeywords: extra opt-out replies add to the built-in ones, and
// a bad list is refused at start naming the flag.
func TestOptOutKeywords(t *testing.T) {
	c, err := load(t, []string{"--opt-out-keywords", "Stopp, arrête"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := c.OptOutList()
	for _, want := range []string{"stop", "unsubscribe", "stopp", "arrête"} {
		if !slices.Contains(got, want) {
			t.Errorf("opt-out list %v lacks %q", got, want)
		}
	}
	if _, err := load(t, []string{"--opt-out-keywords", strings.Repeat("x", 41)}, nil); err == nil || !strings.Contains(err.Error(), "--opt-out-keywords") {
		t.Errorf("a 41-character keyword: %v", err)
	}
}
