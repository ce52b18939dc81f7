package sandbox

import (
	"context"
	"strings"
	"time"

	"github.com/gotd/td/tg"
)

var (
	errUserIDInvalid       = rpcErr(400, "USER_ID_INVALID")
	errUsernameInvalid     = rpcErr(400, "USERNAME_INVALID")
	errUsernameNotOccupied = rpcErr(400, "USERNAME_NOT_OCCUPIED")
)

func (s *Server) registerUsers(d *tg.ServerDispatcher) {
	d.OnUsersGetUsers(s.getUsers)
	d.OnUsersGetFullUser(s.getFullUser)
	d.OnContactsResolveUsername(s.resolveUsername)
	d.OnContactsGetContacts(s.getContacts)
	d.OnAccountUpdateStatus(func(context.Context, bool) (bool, error) { return true, nil })
}

// status is how a user's last-seen shows to others.
func (s *Server) status(p *person) tg.UserStatusClass {
	switch p.Status {
	case "online":
		return &tg.UserStatusOnline{Expires: int(s.now().Add(5 * time.Minute).Unix())}
	case "recently":
		return &tg.UserStatusRecently{}
	case "last_week":
		return &tg.UserStatusLastWeek{}
	case "last_month":
		return &tg.UserStatusLastMonth{}
	case "empty":
		return &tg.UserStatusEmpty{}
	}
	return &tg.UserStatusOffline{WasOnline: int(p.statusOff)}
}

// userFor is p as viewer sees it: self, contact flags and the phone number
// depend on who asks, as on Telegram.
func (s *Server) userFor(viewer int64, p *person) *tg.User {
	u := &tg.User{
		ID:         p.ID,
		AccessHash: p.accessHash,
		Deleted:    p.Deleted,
		Self:       p.ID == viewer,
	}
	if p.Deleted {
		// A deleted account keeps only its id.
		return u
	}
	u.FirstName = p.FirstName
	u.LastName = p.LastName
	u.Username = p.Username
	u.Bot = p.Bot
	u.Premium = p.Premium
	u.Verified = p.Verified
	u.Status = s.status(p)
	if p.Bot {
		u.BotInfoVersion = 1
		u.Status = nil
	}
	if v, ok := s.people[viewer]; ok {
		u.Contact = v.contacts[p.ID]
		u.MutualContact = u.Contact && p.contacts[viewer]
	}
	if u.Self || u.MutualContact {
		u.Phone = p.Phone
	}
	if u.Self {
		u.Status = &tg.UserStatusOnline{Expires: int(s.now().Add(5 * time.Minute).Unix())}
	}
	return u
}

// inputUser resolves an InputUser, checking the access hash like Telegram.
func (s *Server) inputUser(viewer int64, in tg.InputUserClass) (*person, error) {
	switch v := in.(type) {
	case *tg.InputUserSelf:
		return s.people[viewer], nil
	case *tg.InputUser:
		p, ok := s.people[v.UserID]
		if !ok || (p.accessHash != v.AccessHash && v.UserID != viewer) {
			return nil, errUserIDInvalid
		}
		return p, nil
	case *tg.InputUserFromMessage:
		p, ok := s.people[v.UserID]
		if !ok {
			return nil, errUserIDInvalid
		}
		return p, nil
	}
	return nil, errUserIDInvalid
}

func (s *Server) getUsers(ctx context.Context, ids []tg.InputUserClass) ([]tg.UserClass, error) {
	c := callerFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]tg.UserClass, 0, len(ids))
	for _, in := range ids {
		p, err := s.inputUser(c.userID, in)
		if err != nil {
			if len(ids) == 1 {
				return nil, err
			}
			continue // Telegram leaves out the ones it cannot resolve
		}
		out = append(out, s.userFor(c.userID, p))
	}
	return out, nil
}

func (s *Server) getFullUser(ctx context.Context, in tg.InputUserClass) (*tg.UsersUserFull, error) {
	c := callerFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.inputUser(c.userID, in)
	if err != nil {
		return nil, err
	}
	common := 0
	for _, id := range p.chats {
		if s.chats[id].isMember(c.userID) {
			common++
		}
	}
	full := tg.UserFull{
		ID:               p.ID,
		Settings:         tg.PeerSettings{},
		NotifySettings:   tg.PeerNotifySettings{},
		CommonChatsCount: common,
		Blocked:          false,
	}
	if p.Reply != "" {
		full.About = "Replies to every first message."
	}
	if p.PrivacyStrangers == "deny" && !p.contacts[c.userID] && p.ID != c.userID {
		full.PhoneCallsPrivate = true
	}
	return &tg.UsersUserFull{FullUser: full, Users: []tg.UserClass{s.userFor(c.userID, p)}}, nil
}

func validUsername(u string) bool {
	return usernameRe.MatchString(u)
}

func (s *Server) resolveUsername(ctx context.Context, req *tg.ContactsResolveUsernameRequest) (*tg.ContactsResolvedPeer, error) {
	c := callerFrom(ctx)
	name := strings.TrimPrefix(strings.TrimSpace(req.Username), "@")
	if !validUsername(name) {
		return nil, errUsernameInvalid
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ref, ok := s.byUsername[strings.ToLower(name)]
	if !ok {
		return nil, errUsernameNotOccupied
	}
	if ref.user != 0 {
		p := s.people[ref.user]
		return &tg.ContactsResolvedPeer{
			Peer:  &tg.PeerUser{UserID: p.ID},
			Users: []tg.UserClass{s.userFor(c.userID, p)},
			Chats: []tg.ChatClass{},
		}, nil
	}
	g := s.chats[ref.chat]
	return &tg.ContactsResolvedPeer{
		Peer:  &tg.PeerChannel{ChannelID: g.ID},
		Chats: []tg.ChatClass{s.chatFor(c.userID, g)},
		Users: []tg.UserClass{},
	}, nil
}

func (s *Server) getContacts(ctx context.Context, _ int64) (tg.ContactsContactsClass, error) {
	c := callerFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	me := s.people[c.userID]
	out := &tg.ContactsContacts{Contacts: []tg.Contact{}, Users: []tg.UserClass{}}
	for _, u := range s.world.Users {
		if !me.contacts[u.ID] {
			continue
		}
		p := s.people[u.ID]
		out.Contacts = append(out.Contacts, tg.Contact{UserID: p.ID, Mutual: p.contacts[me.ID]})
		out.Users = append(out.Users, s.userFor(me.ID, p))
	}
	out.SavedCount = len(out.Contacts)
	return out, nil
}
