package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Retain is how long each kind of row is kept before the retention job
// deletes it; zero keeps it.
type Retain struct {
	FinishedCampaigns time.Duration
	MemberLists       time.Duration
	Inbox             time.Duration
	Activity          time.Duration
	WebhookDeliveries time.Duration
}

// days is a duration flag that also takes whole days ("90d"), the unit a
// retention is thought in.
type days time.Duration

func (d *days) String() string {
	if d == nil || *d == 0 {
		return "0"
	}
	v := time.Duration(*d)
	if v%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(v/(24*time.Hour)), 10) + "d"
	}
	return v.String()
}

func (d *days) Set(s string) error {
	s = strings.TrimSpace(s)
	var v time.Duration
	if n, ok := strings.CutSuffix(s, "d"); ok {
		i, err := strconv.Atoi(n)
		if err != nil {
			return fmt.Errorf("%q: want a whole number of days such as 90d, or a duration such as 36h", s)
		}
		v = time.Duration(i) * 24 * time.Hour
	} else {
		var err error
		if v, err = time.ParseDuration(s); err != nil {
			return fmt.Errorf("%q: want a number of days such as 90d, or a duration such as 36h", s)
		}
	}
	if v < 0 {
		return fmt.Errorf("%q: want 0 (keep) or more", s)
	}
	if v > 0 && v < time.Hour {
		return fmt.Errorf("%q: want at least an hour (or 0 to keep)", s)
	}
	*d = days(v)
	return nil
}
