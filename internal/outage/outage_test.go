package outage_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/outage"
	"github.com/telegramate/telegramate/internal/testkit"
)

var errDown = errors.New("dial tcp: connection refused")

// TestOneLineEachWay: the first failure caused by the database is one
// ERROR line with its error and the hint; every warning or error after it
// goes to debug (an unrelated error too, while the outage lasts); the
// probe's first success is one INFO line with the outage's length and the
// lines it kept; an error unrelated to the database after the settling
// time is logged as it was.
func TestOneLineEachWay(t *testing.T) {
	var out testkit.SyncBuffer
	base := slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelInfo}))
	var up atomic.Bool
	tr := outage.New(outage.Options{Logger: base, IsOutage: func(err error) bool { return errors.Is(err, errDown) },
		IsOutageText: func(s string) bool { return strings.Contains(s, "connection refused") },
		Hint:         "start the database", ProbeEvery: 5 * time.Millisecond, Settle: 20 * time.Millisecond})
	defer tr.Close()
	tr.SetProbe(func(context.Context) error {
		if up.Load() {
			return nil
		}
		return errDown
	})
	log := slog.New(outage.Handler(base.Handler(), tr))
	queue := slog.New(outage.QueueHandler(base.Handler(), tr))

	log.Error("http request", slog.Int("status", 503), slog.Any("err", errDown))
	log.Error("http request", slog.Int("status", 503), slog.Any("err", errDown))
	queue.Error("producer: Error fetching jobs", slog.String("err", "failed to connect: connection refused"))
	queue.Error("jobcompleter: Too many errors; giving up")
	log.Warn("renewal failed", slog.Any("err", errors.New("context deadline exceeded")))
	log.Info("an ordinary line")
	up.Store(true)
	testkit.Eventually(t, 10*time.Second, "the recovery line", func() bool { return strings.Contains(out.String(), "database answers again") })
	log.Error("template failed", slog.Any("err", errors.New("template: no such field")))
	up.Store(false) // down again: the probe before the outage says so
	testkit.Eventually(t, 10*time.Second, "a second outage once the first has settled", func() bool {
		queue.Error("producer: Error fetching jobs", slog.String("err", "failed to connect: connection refused"))
		return strings.Count(out.String(), `msg="database unavailable`) == 2
	})

	var errorsLogged []string
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if strings.Contains(l, "level=ERROR") || strings.Contains(l, "level=WARN") {
			errorsLogged = append(errorsLogged, l)
		}
	}
	if len(errorsLogged) != 3 || !strings.Contains(errorsLogged[0], `msg="database unavailable`) ||
		!strings.Contains(errorsLogged[0], `err="dial tcp: connection refused"`) || !strings.Contains(errorsLogged[0], `hint="start the database"`) ||
		!strings.Contains(errorsLogged[1], `msg="template failed"`) || !strings.Contains(errorsLogged[2], `msg="database unavailable`) {
		t.Errorf("want the outage, the unrelated error after it, the next outage; got:\n%s", strings.Join(errorsLogged, "\n"))
	}
	if !strings.Contains(out.String(), "an ordinary line") {
		t.Error("an info line was dropped")
	}
	if !strings.Contains(out.String(), "failures_logged_at_debug=4") {
		t.Errorf("the recovery line does not count the 4 lines it kept:\n%s", out.String())
	}
}

// TestOtherServicesErrorIsNoOutage: an error that looks like the
// database's (a timeout dialling a Telegram data center is a net.Error
// too) while the database answers its probe is logged as it was, and no
// "database unavailable" line is written.
func TestOtherServicesErrorIsNoOutage(t *testing.T) {
	var out testkit.SyncBuffer
	base := slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelInfo}))
	tr := outage.New(outage.Options{Logger: base, IsOutage: func(err error) bool { return errors.Is(err, errDown) },
		Hint: "start the database", ProbeEvery: 50 * time.Millisecond, Settle: 20 * time.Millisecond})
	defer tr.Close()
	tr.SetProbe(func(context.Context) error { return nil })
	log := slog.New(outage.Handler(base.Handler(), tr))
	log.Warn("account connection failed", slog.Any("err", fmt.Errorf("create auth key: %w", errDown)))
	log.Warn("account connection failed", slog.Any("err", fmt.Errorf("create auth key: %w", errDown)))
	got := out.String()
	if strings.Contains(got, "database unavailable") || tr.Down() {
		t.Errorf("a failure while the database answers declared an outage:\n%s", got)
	}
	if n := strings.Count(got, `level=WARN msg="account connection failed"`); n != 2 {
		t.Errorf("%d of 2 warnings logged as they were:\n%s", n, got)
	}
}
