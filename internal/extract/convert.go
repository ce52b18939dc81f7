package extract

import (
	"strings"
	"time"
	"unicode"

	"github.com/gotd/td/tg"

	"github.com/telegramate/telegramate/internal/store"
)

// How long ago each of Telegram's last-seen buckets is taken to be, for
// sorting and for "last seen within" filters. Each is a little inside its
// bucket, so "within 3 days" keeps "recently", "within 7 days" keeps "last
// week" and "within 30 days" keeps "last month".
const (
	recentlyAgo  = 2 * 24 * time.Hour
	lastWeekAgo  = 6 * 24 * time.Hour
	lastMonthAgo = 29 * 24 * time.Hour
)

// lastSeen maps a user's status to a bucket, an exact time when Telegram
// gave one, and the rank that orders them.
func lastSeen(status tg.UserStatusClass, now time.Time) (bucket string, at time.Time, rank int64) {
	switch st := status.(type) {
	case *tg.UserStatusOnline:
		return store.SeenOnline, now, now.Unix()
	case *tg.UserStatusOffline:
		at = time.Unix(int64(st.WasOnline), 0).UTC()
		age := now.Sub(at)
		switch {
		case age <= 3*24*time.Hour:
			bucket = store.SeenRecently
		case age <= 7*24*time.Hour:
			bucket = store.SeenLastWeek
		case age <= 30*24*time.Hour:
			bucket = store.SeenLastMonth
		default:
			bucket = store.SeenLongAgo
		}
		return bucket, at, at.Unix()
	case *tg.UserStatusRecently:
		return store.SeenRecently, time.Time{}, now.Add(-recentlyAgo).Unix()
	case *tg.UserStatusLastWeek:
		return store.SeenLastWeek, time.Time{}, now.Add(-lastWeekAgo).Unix()
	case *tg.UserStatusLastMonth:
		return store.SeenLastMonth, time.Time{}, now.Add(-lastMonthAgo).Unix()
	case *tg.UserStatusEmpty:
		// Telegram's apps show this as "last seen a long time ago".
		return store.SeenLongAgo, time.Time{}, 1
	}
	// No status at all: bots, deleted accounts.
	return store.SeenHidden, time.Time{}, 0
}

// memberFrom is a Telegram user as a list member.
func memberFrom(accountID int64, u *tg.User, role string, joined int, now time.Time) store.Member {
	m := store.Member{
		AccountID:  accountID,
		TGUserID:   u.ID,
		AccessHash: u.AccessHash,
		Username:   u.Username,
		FirstName:  u.FirstName,
		LastName:   u.LastName,
		Phone:      u.Phone,
		Bot:        u.Bot,
		Deleted:    u.Deleted,
		Premium:    u.Premium,
		Verified:   u.Verified,
		Scam:       u.Scam,
		Fake:       u.Fake,
		Role:       role,
		FetchedAt:  now,
	}
	for _, n := range u.Usernames {
		if !n.Active || n.Username == "" {
			continue
		}
		if m.Username == "" {
			m.Username = n.Username
		} else if n.Username != m.Username {
			m.Usernames = append(m.Usernames, n.Username)
		}
	}
	var status tg.UserStatusClass
	if !u.Deleted && !u.Bot {
		status = u.Status
	}
	m.LastSeen, m.LastSeenAt, m.SeenRank = lastSeen(status, now)
	if joined > 0 {
		m.JoinedAt = time.Unix(int64(joined), 0).UTC()
	}
	return m
}

// channelParticipant is who a participant is, their role and join date.
func channelParticipant(p tg.ChannelParticipantClass) (userID int64, role string, joined int, ok bool) {
	switch v := p.(type) {
	case *tg.ChannelParticipant:
		return v.UserID, store.RoleMember, v.Date, true
	case *tg.ChannelParticipantSelf:
		return v.UserID, store.RoleMember, v.Date, true
	case *tg.ChannelParticipantAdmin:
		return v.UserID, store.RoleAdmin, v.Date, true
	case *tg.ChannelParticipantCreator:
		return v.UserID, store.RoleCreator, 0, true
	}
	// Banned and left participants are not members.
	return 0, "", 0, false
}

func chatParticipant(p tg.ChatParticipantClass) (userID int64, role string, joined int) {
	switch v := p.(type) {
	case *tg.ChatParticipantCreator:
		return v.UserID, store.RoleCreator, 0
	case *tg.ChatParticipantAdmin:
		return v.UserID, store.RoleAdmin, v.Date
	case *tg.ChatParticipant:
		return v.UserID, store.RoleMember, v.Date
	}
	return 0, "", 0
}

func usersByID(users []tg.UserClass) map[int64]*tg.User {
	out := make(map[int64]*tg.User, len(users))
	for _, u := range users {
		if v, ok := u.(*tg.User); ok {
			out[v.ID] = v
		}
	}
	return out
}

// matchesSearch is Telegram's member search (channelParticipantsSearch) for
// lists it cannot search itself: a username, or a word of the name, that
// (split at spaces and hyphens) that starts with the term, in any case;
// deleted accounts never match.
func matchesSearch(u *tg.User, term string) bool {
	if u.Deleted {
		return false
	}
	term = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(term), "@"))
	if term == "" {
		return true
	}
	names := []string{u.Username}
	for _, un := range u.Usernames {
		names = append(names, un.Username)
	}
	for _, n := range names {
		if n != "" && strings.HasPrefix(strings.ToLower(n), term) {
			return true
		}
	}
	words := strings.FieldsFunc(strings.ToLower(u.FirstName+" "+u.LastName), func(r rune) bool {
		return unicode.IsSpace(r) || r == '-'
	})
	for _, w := range words {
		if strings.HasPrefix(w, term) {
			return true
		}
	}
	return false
}
