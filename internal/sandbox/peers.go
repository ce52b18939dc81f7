package sandbox

import (
	"github.com/gotd/td/tg"
)

var (
	errPeerIDInvalid    = rpcErr(400, "PEER_ID_INVALID")
	errChannelInvalid   = rpcErr(400, "CHANNEL_INVALID")
	errChannelPrivate   = rpcErr(406, "CHANNEL_PRIVATE")
	errChatIDInvalid    = rpcErr(400, "CHAT_ID_INVALID")
	errChatAdminNeeded  = rpcErr(400, "CHAT_ADMIN_REQUIRED")
	errUserNotMember    = rpcErr(400, "USER_NOT_PARTICIPANT")
	errChatWriteDenied  = rpcErr(403, "CHAT_WRITE_FORBIDDEN")
	errInputUserDeleted = rpcErr(400, "INPUT_USER_DEACTIVATED")
)

// inputPeer resolves an InputPeer to a user or a chat, checking access
// hashes the way Telegram does.
func (s *Server) inputPeer(viewer int64, in tg.InputPeerClass) (peerRef, error) {
	switch v := in.(type) {
	case *tg.InputPeerSelf:
		return peerRef{user: viewer}, nil
	case *tg.InputPeerUser:
		p, ok := s.people[v.UserID]
		if !ok || (p.accessHash != v.AccessHash && v.UserID != viewer) {
			return peerRef{}, errPeerIDInvalid
		}
		return peerRef{user: p.ID}, nil
	case *tg.InputPeerUserFromMessage:
		if _, ok := s.people[v.UserID]; !ok {
			return peerRef{}, errPeerIDInvalid
		}
		return peerRef{user: v.UserID}, nil
	case *tg.InputPeerChat:
		g, ok := s.chats[v.ChatID]
		if !ok || g.Type != ChatGroup {
			return peerRef{}, errPeerIDInvalid
		}
		return peerRef{chat: g.ID}, nil
	case *tg.InputPeerChannel:
		g, ok := s.chats[v.ChannelID]
		if !ok || g.Type == ChatGroup || g.accessHash != v.AccessHash {
			return peerRef{}, errChannelInvalid
		}
		return peerRef{chat: g.ID}, nil
	case *tg.InputPeerChannelFromMessage:
		g, ok := s.chats[v.ChannelID]
		if !ok || g.Type == ChatGroup {
			return peerRef{}, errChannelInvalid
		}
		return peerRef{chat: g.ID}, nil
	}
	return peerRef{}, errPeerIDInvalid
}

// inputChannel resolves a channel or supergroup.
func (s *Server) inputChannel(in tg.InputChannelClass) (*group, error) {
	switch v := in.(type) {
	case *tg.InputChannel:
		g, ok := s.chats[v.ChannelID]
		if !ok || g.Type == ChatGroup || g.accessHash != v.AccessHash {
			return nil, errChannelInvalid
		}
		return g, nil
	case *tg.InputChannelFromMessage:
		g, ok := s.chats[v.ChannelID]
		if !ok || g.Type == ChatGroup {
			return nil, errChannelInvalid
		}
		return g, nil
	}
	return nil, errChannelInvalid
}

// canSee says whether viewer may look into a channel: members always,
// others only when it is public (has a username).
func (g *group) canSee(viewer int64) bool {
	return g.isMember(viewer) || g.Username != ""
}

func peerOf(r peerRef, g *group) tg.PeerClass {
	if r.user != 0 {
		return &tg.PeerUser{UserID: r.user}
	}
	if g.Type == ChatGroup {
		return &tg.PeerChat{ChatID: g.ID}
	}
	return &tg.PeerChannel{ChannelID: g.ID}
}

var (
	fullAdminRights = tg.ChatAdminRights{
		ChangeInfo: true, PostMessages: true, EditMessages: true, DeleteMessages: true, BanUsers: true,
		InviteUsers: true, PinMessages: true, AddAdmins: true, ManageCall: true, Other: true,
	}
	adminRights = tg.ChatAdminRights{
		ChangeInfo: true, DeleteMessages: true, BanUsers: true, InviteUsers: true, PinMessages: true,
		ManageCall: true, Other: true, PostMessages: true, EditMessages: true,
	}
)

// chatFor is a chat as viewer sees it.
func (s *Server) chatFor(viewer int64, g *group) tg.ChatClass {
	member := g.isMember(viewer)
	date := int(g.created.Unix())
	if member {
		date = g.joined(viewer)
	}
	if g.Type == ChatGroup {
		if !member {
			return &tg.ChatForbidden{ID: g.ID, Title: g.Title}
		}
		c := &tg.Chat{
			ID: g.ID, Title: g.Title, Photo: &tg.ChatPhotoEmpty{},
			ParticipantsCount: len(g.members), Date: date, Version: 1,
			Creator: g.Creator == viewer,
		}
		if g.isAdmin(viewer) {
			c.AdminRights = adminRights
		}
		return c
	}
	c := &tg.Channel{
		ID: g.ID, AccessHash: g.accessHash, Title: g.Title, Username: g.Username,
		Photo: &tg.ChatPhotoEmpty{}, Date: date,
		Megagroup: g.Type == ChatSupergroup, Broadcast: g.Type == ChatChannel,
		Creator: g.Creator == viewer, Left: !member,
		ParticipantsCount: len(g.members),
	}
	switch {
	case g.Creator == viewer:
		c.AdminRights = fullAdminRights
	case g.admins[viewer]:
		c.AdminRights = adminRights
	}
	return c
}
