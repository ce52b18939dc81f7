package ui

import (
	"testing"
	"time"
)

// TestInWords: the time left before a login expires reads right, also in
// its last minute.
func TestInWords(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-time.Second:                    "",
		0:                               "",
		time.Second:                     "less than a minute",
		29 * time.Second:                "less than a minute",
		59 * time.Second:                "less than a minute",
		time.Minute:                     "1 minute",
		90 * time.Second:                "2 minutes",
		14*time.Minute + 50*time.Second: "15 minutes",
	} {
		if got := inWords(d); got != want {
			t.Errorf("%v reads %q, want %q", d, got, want)
		}
	}
}
