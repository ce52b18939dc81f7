package testkit_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/testkit"
)

// fatalT records a Fatalf instead of failing, and ends the goroutine as
// the real one does.
type fatalT struct {
	testing.TB
	msg string
}

func (f *fatalT) Helper() {}

func (f *fatalT) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// failing runs wait as a test would and returns its failure, if any.
func failing(wait func(t testing.TB)) string {
	f := &fatalT{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		wait(f)
	}()
	<-done
	return f.msg
}

func TestEventuallyWithShowsTheLastStateSeen(t *testing.T) {
	n := 0
	msg := failing(func(t testing.TB) {
		testkit.EventuallyWith(t, 50*time.Millisecond, "n to reach a million", func() (bool, string) {
			n++
			return false, fmt.Sprintf("n is %d", n)
		})
	})
	if want := fmt.Sprintf("waited 50ms for n to reach a million: n is %d", n); msg != want {
		t.Errorf("failure %q, want %q", msg, want)
	}
	if msg := failing(func(t testing.TB) {
		testkit.EventuallyWith(t, time.Minute, "the third look", func() (bool, string) { n++; return n%3 == 0, "" })
	}); msg != "" {
		t.Errorf("a wait that ends failed: %q", msg)
	}
}

func TestEventuallySaysWhatItWaitedFor(t *testing.T) {
	msg := failing(func(t testing.TB) {
		testkit.Eventually(t, 50*time.Millisecond, "nothing", func() bool { return false })
	})
	if !strings.HasPrefix(msg, "waited 50ms for nothing") {
		t.Errorf("failure %q", msg)
	}
}

func TestUntilReportsWhetherItHeld(t *testing.T) {
	if testkit.Until(50*time.Millisecond, func() bool { return false }) {
		t.Error("a condition that never held held")
	}
	looks := 0
	if !testkit.Until(time.Minute, func() bool { looks++; return looks == 2 }) {
		t.Error("a condition that held on the second look did not")
	}
}
