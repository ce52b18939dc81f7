package sandbox

import (
	"context"
	"strings"
	"unicode"

	"github.com/gotd/td/tg"
)

func (s *Server) registerParticipants(d *tg.ServerDispatcher) {
	d.OnChannelsGetParticipants(s.getParticipants)
	d.OnChannelsGetParticipant(s.getParticipant)
}

// matches is Telegram's member search: any word of the name or the
// username starts with q, ignoring case.
func matches(p *person, q string) bool {
	if q == "" {
		return true
	}
	if p.Deleted {
		return false
	}
	q = strings.ToLower(q)
	if strings.HasPrefix(strings.ToLower(p.Username), q) {
		return true
	}
	for _, w := range strings.FieldsFunc(strings.ToLower(p.FirstName+" "+p.LastName), func(r rune) bool {
		return unicode.IsSpace(r) || r == '-'
	}) {
		if strings.HasPrefix(w, q) {
			return true
		}
	}
	return false
}

// participantIDs is the list a filter selects, before the cap and paging.
func (s *Server) participantIDs(viewer int64, g *group, filter tg.ChannelParticipantsFilterClass) ([]int64, error) {
	admin := g.isAdmin(viewer)
	if g.Type == ChatChannel && !admin {
		// Only admins may list a broadcast channel's subscribers.
		return nil, errChatAdminNeeded
	}
	// Newest members first, as Telegram lists them.
	recent := func(keep func(*person) bool) []int64 {
		var out []int64
		for i := len(g.members) - 1; i >= 0; i-- {
			id := g.members[i]
			if keep(s.people[id]) {
				out = append(out, id)
			}
		}
		return out
	}
	// Hidden members: a non-admin sees only admins and bots.
	visible := func(p *person) bool {
		return !g.HiddenMembers || admin || g.isAdmin(p.ID) || p.Bot
	}
	listed := func(list []int64, q string) []int64 {
		var out []int64
		for _, id := range list {
			if matches(s.people[id], q) {
				out = append(out, id)
			}
		}
		return out
	}
	switch f := filter.(type) {
	case nil, *tg.ChannelParticipantsRecent:
		if g.HiddenMembers && !admin {
			return g.recentHidden, nil
		}
		return g.recent, nil
	case *tg.ChannelParticipantsAdmins:
		var out []int64
		for _, id := range g.members {
			if g.isAdmin(id) {
				out = append(out, id)
			}
		}
		return out, nil
	case *tg.ChannelParticipantsBots:
		return g.recentBots, nil
	case *tg.ChannelParticipantsSearch:
		if f.Q == "" {
			return s.participantIDs(viewer, g, &tg.ChannelParticipantsRecent{})
		}
		return recent(func(p *person) bool { return visible(p) && matches(p, f.Q) }), nil
	case *tg.ChannelParticipantsMentions:
		return recent(func(p *person) bool { return visible(p) && matches(p, f.Q) }), nil
	case *tg.ChannelParticipantsContacts:
		me := s.people[viewer]
		return recent(func(p *person) bool { return visible(p) && me.contacts[p.ID] && matches(p, f.Q) }), nil
	case *tg.ChannelParticipantsKicked:
		if !admin {
			return nil, errChatAdminNeeded
		}
		return listed(g.Kicked, f.Q), nil
	case *tg.ChannelParticipantsBanned:
		if !admin {
			return nil, errChatAdminNeeded
		}
		return listed(g.Banned, f.Q), nil
	}
	return nil, errRequestInvalid
}

func (s *Server) participant(viewer int64, g *group, id int64) tg.ChannelParticipantClass {
	switch {
	case g.kicked[id] || g.banned[id]:
		return &tg.ChannelParticipantBanned{
			Left: g.kicked[id], Peer: &tg.PeerUser{UserID: id}, KickedBy: g.Creator,
			Date:         int(g.created.Unix()),
			BannedRights: tg.ChatBannedRights{ViewMessages: g.kicked[id], SendMessages: true},
		}
	case id == g.Creator:
		return &tg.ChannelParticipantCreator{UserID: id, AdminRights: fullAdminRights}
	case g.admins[id]:
		return &tg.ChannelParticipantAdmin{UserID: id, Self: id == viewer, PromotedBy: g.Creator, Date: g.joined(id), AdminRights: adminRights}
	case id == viewer:
		return &tg.ChannelParticipantSelf{UserID: id, InviterID: g.Creator, Date: g.joined(id)}
	}
	return &tg.ChannelParticipant{UserID: id, Date: g.joined(id)}
}

// getParticipants pages through a filter's list: no further than the
// world's participants_cap, at most page_size at a time; count is the
// uncapped size of the list so a client can report what it could not get.
func (s *Server) getParticipants(ctx context.Context, req *tg.ChannelsGetParticipantsRequest) (tg.ChannelsChannelParticipantsClass, error) {
	c := callerFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.inputChannel(req.Channel)
	if err != nil {
		return nil, err
	}
	if !g.canSee(c.userID) {
		return nil, errChannelPrivate
	}
	ids, err := s.participantIDs(c.userID, g, req.Filter)
	if err != nil {
		return nil, err
	}
	limits := s.world.Limits
	limit := min(max(req.Limit, 0), limits.PageSize)
	offset := max(req.Offset, 0)
	end := min(offset+limit, limits.ParticipantsCap, len(ids))
	out := &tg.ChannelsChannelParticipants{
		Count:        len(ids),
		Participants: []tg.ChannelParticipantClass{},
		Chats:        []tg.ChatClass{},
		Users:        []tg.UserClass{},
	}
	for i := offset; i < end; i++ {
		id := ids[i]
		out.Participants = append(out.Participants, s.participant(c.userID, g, id))
		out.Users = append(out.Users, s.userFor(c.userID, s.people[id]))
	}
	return out, nil
}

func (s *Server) getParticipant(ctx context.Context, req *tg.ChannelsGetParticipantRequest) (*tg.ChannelsChannelParticipant, error) {
	c := callerFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.inputChannel(req.Channel)
	if err != nil {
		return nil, err
	}
	if !g.canSee(c.userID) {
		return nil, errChannelPrivate
	}
	ref, err := s.inputPeer(c.userID, req.Participant)
	if err != nil || ref.user == 0 {
		return nil, errPeerIDInvalid
	}
	if !g.isMember(ref.user) && !g.kicked[ref.user] && !g.banned[ref.user] {
		return nil, errUserNotMember
	}
	if ref.user != c.userID && !g.isAdmin(c.userID) && (g.Type == ChatChannel || (g.HiddenMembers && !g.isAdmin(ref.user))) {
		return nil, errChatAdminNeeded
	}
	return &tg.ChannelsChannelParticipant{
		Participant: s.participant(c.userID, g, ref.user),
		Chats:       []tg.ChatClass{},
		Users:       []tg.UserClass{s.userFor(c.userID, s.people[ref.user])},
	}, nil
}
