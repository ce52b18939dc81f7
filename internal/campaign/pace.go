package campaign

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/telegramate/telegramate/internal/store"
)

// Pacing is a campaign's pace for each of its sending accounts.
type Pacing struct {
	// MinInterval is the least time between two messages of one account
	// (0: no interval).
	MinInterval time.Duration
	// DailyCap is the most messages one account sends per day.
	DailyCap int
	// Window, when set, is the part of each day sends may happen in.
	Window *Window
	// RatePerHour caps the whole campaign (0: no cap).
	RatePerHour int
}

// Window is a daily sending window in a time zone; From after To spans
// midnight.
type Window struct {
	From, To string // "09:00"
	Zone     string // IANA name, "Europe/Berlin"
	loc      *time.Location
	from, to time.Duration // since midnight
}

// Defaults of a campaign's pacing: cautious enough for accounts that write
// to strangers.
const (
	DefaultMinInterval = 30 * time.Second
	DefaultDailyCap    = 50
)

// ParseWindow checks a window's clock times and time zone.
func ParseWindow(from, to, zone string) (*Window, error) {
	w := &Window{From: strings.TrimSpace(from), To: strings.TrimSpace(to), Zone: strings.TrimSpace(zone)}
	var err error
	if w.from, err = clock(w.From); err != nil {
		return nil, fieldError("pacing.window.from", "The window's start "+err.Error(), "Write a time of day such as 09:00.")
	}
	if w.to, err = clock(w.To); err != nil {
		return nil, fieldError("pacing.window.to", "The window's end "+err.Error(), "Write a time of day such as 20:00.")
	}
	if w.from == w.to {
		return nil, fieldError("pacing.window.to", "The window's start and end are the same time", "Leave the window out to send at any hour, or give it a length.")
	}
	if w.Zone == "" {
		w.Zone = "UTC"
	}
	if w.loc, err = time.LoadLocation(w.Zone); err != nil || strings.EqualFold(w.Zone, "local") {
		return nil, fieldError("pacing.window.time_zone", fmt.Sprintf("Unknown time zone %q", w.Zone), "Use an IANA time zone name such as Europe/Berlin or America/New_York.")
	}
	return w, nil
}

func clock(s string) (time.Duration, error) {
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || len(m) != 2 || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, fmt.Errorf("%q is not a time of day (HH:MM, 24-hour)", s)
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, nil
}

// open reports whether t is inside the window, and when it next opens if not.
func (w *Window) open(t time.Time) (bool, time.Time) {
	lt := t.In(w.loc)
	midnight := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, w.loc)
	since := lt.Sub(midnight)
	inside := since >= w.from && since < w.to
	if w.from > w.to { // spans midnight
		inside = since >= w.from || since < w.to
	}
	if inside {
		return true, t
	}
	next := midnight.Add(w.from)
	if !next.After(t) {
		next = time.Date(lt.Year(), lt.Month(), lt.Day()+1, 0, 0, 0, 0, w.loc).Add(w.from)
	}
	return false, next.UTC()
}

// pacingOf reads a stored campaign's pacing.
func pacingOf(c store.Campaign) Pacing {
	p := Pacing{MinInterval: time.Duration(c.MinIntervalSeconds) * time.Second, DailyCap: c.DailyCap, RatePerHour: c.RatePerHour}
	if c.WindowFrom != "" {
		if w, err := ParseWindow(c.WindowFrom, c.WindowTo, c.TimeZone); err == nil {
			p.Window = w
		}
	}
	return p
}

// day names the day a send counts towards: the window's day in its time
// zone, or the UTC day.
func (p Pacing) day(t time.Time) (string, time.Time) {
	loc := p.zone()
	lt := t.In(loc)
	next := time.Date(lt.Year(), lt.Month(), lt.Day()+1, 0, 0, 0, 0, loc)
	return lt.Format("2006-01-02") + "@" + loc.String(), next.UTC()
}

// Why an account's pace holds a campaign back (AccountView.Reason).
const (
	HoldInterval = "interval"      // the least time between two messages
	HoldDailyCap = "daily_cap"     // the day's messages are sent
	HoldWindow   = "window"        // outside the sending window
	HoldRate     = "campaign_rate" // the campaign's own messages per hour
)

// hold is what keeps a campaign from sending from an account, and until
// when; the zero hold lets it send.
type hold struct {
	reason string
	until  time.Time
}

// hold is why campaign c may not send from an account whose pace is pc at
// now: the gate that stays closed longest, since the send waits for all.
func (p Pacing) hold(c store.Campaign, pc store.Pace, now time.Time) hold {
	var h hold
	later := func(reason string, t time.Time) {
		if t.After(h.until) {
			h = hold{reason, t}
		}
	}
	if pc.NextSendAt.After(now) {
		later(HoldInterval, pc.NextSendAt)
	}
	if !pc.LastSendAt.IsZero() && p.MinInterval > 0 && pc.LastSendAt.Add(p.MinInterval).After(now) {
		later(HoldInterval, pc.LastSendAt.Add(p.MinInterval))
	}
	if day, tomorrow := p.day(now); pc.Day == day && p.DailyCap > 0 && pc.DayCount >= p.DailyCap {
		later(HoldDailyCap, tomorrow)
	}
	if p.Window != nil {
		if ok, next := p.Window.open(now); !ok {
			later(HoldWindow, next)
		}
	}
	if p.RatePerHour > 0 && c.NextSlotAt.After(now) {
		later(HoldRate, c.NextSlotAt)
	}
	return h
}

// gate says whether campaign c may send from an account whose pace is pc
// at now; if not, it returns when it may next (zero for "not today, and
// no time is known").
func (p Pacing) gate(c store.Campaign, pc store.Pace, now time.Time) (bool, time.Time) {
	if h := p.hold(c, pc, now); !h.until.IsZero() {
		// A later gate may close again at the time an earlier one opens
		// (a window that opens on a day whose cap is spent): the caller
		// asks again then.
		return false, h.until
	}
	return true, time.Time{}
}

// zone is where the pace counts its days: the window's time zone, or UTC.
func (p Pacing) zone() *time.Location {
	if p.Window != nil {
		return p.Window.loc
	}
	return time.UTC
}

// take moves the account's pace for a send claimed at now.
func (p Pacing) take(pc store.Pace, now time.Time) store.Pace {
	day, _ := p.day(now)
	if pc.Day != day {
		pc.Day, pc.DayCount = day, 0
	}
	pc.DayCount++
	pc.LastSendAt = now
	pc.NextSendAt = now.Add(p.MinInterval)
	return pc
}
