package sandbox

import (
	"cmp"
	"context"
	"slices"

	"github.com/gotd/td/tg"
)

func (s *Server) registerChats(d *tg.ServerDispatcher) {
	d.OnMessagesGetDialogs(s.getDialogs)
	d.OnMessagesGetHistory(s.getHistory)
	d.OnMessagesGetFullChat(s.getFullChat)
	d.OnChannelsGetFullChannel(s.getFullChannel)
	d.OnMessagesGetChats(s.getChats)
	d.OnChannelsGetChannels(s.getChannels)
	d.OnMessagesReadHistory(func(ctx context.Context, _ *tg.MessagesReadHistoryRequest) (*tg.MessagesAffectedMessages, error) {
		c := callerFrom(ctx)
		s.mu.Lock()
		defer s.mu.Unlock()
		b := s.box(c.userID)
		return &tg.MessagesAffectedMessages{Pts: b.Pts, PtsCount: 0}, nil
	})
}

// serviceMessage is the first message of every chat: its creation. Dialogs
// need a top message, and Telegram's chats always start with this one.
func (s *Server) serviceMessage(g *group) *tg.MessageService {
	m := &tg.MessageService{ID: 1, Date: int(g.created.Unix())}
	if g.Creator != 0 {
		m.FromID = &tg.PeerUser{UserID: g.Creator}
	}
	if g.Type == ChatGroup {
		m.PeerID = &tg.PeerChat{ChatID: g.ID}
		m.Action = &tg.MessageActionChatCreate{Title: g.Title, Users: slices.Clone(g.members)}
	} else {
		m.PeerID = &tg.PeerChannel{ChannelID: g.ID}
		m.Action = &tg.MessageActionChannelCreate{Title: g.Title}
		m.Post = g.Type == ChatChannel
	}
	return m
}

type dialogEntry struct {
	peer   peerRef
	date   int
	top    int
	msg    tg.MessageClass
	unread int
}

// dialogs lists viewer's dialogs newest first: chats they are in and
// private conversations in their message box.
func (s *Server) dialogs(viewer int64) []dialogEntry {
	var out []dialogEntry
	for _, id := range s.chatOrder {
		g := s.chats[id]
		if !g.isMember(viewer) {
			continue
		}
		m := s.serviceMessage(g)
		out = append(out, dialogEntry{peer: peerRef{chat: id}, date: m.Date, top: 1, msg: m})
	}
	if b, ok := s.boxes[viewer]; ok {
		last := map[int64]int{}
		unread := map[int64]int{}
		for i, m := range b.Msgs {
			last[m.Peer] = i
			if !m.Out {
				unread[m.Peer]++
			}
		}
		for peer, i := range last {
			m := b.Msgs[i]
			out = append(out, dialogEntry{peer: peerRef{user: peer}, date: m.Date, top: m.ID, msg: s.boxMessage(viewer, m), unread: unread[peer]})
		}
	}
	slices.SortFunc(out, func(a, b dialogEntry) int {
		if c := cmp.Compare(b.date, a.date); c != 0 {
			return c
		}
		if c := cmp.Compare(b.top, a.top); c != 0 {
			return c
		}
		return cmp.Compare(a.peer.user+a.peer.chat, b.peer.user+b.peer.chat)
	})
	return out
}

func (s *Server) getDialogs(ctx context.Context, req *tg.MessagesGetDialogsRequest) (tg.MessagesDialogsClass, error) {
	c := callerFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	all := s.dialogs(c.userID)
	start := 0
	if req.OffsetDate != 0 || req.OffsetID != 0 {
		// Continue after the dialog the client saw last (gotd's iterator sends
		// its date, top message id and peer).
		start = len(all)
		for i, d := range all {
			if d.date < req.OffsetDate || (d.date == req.OffsetDate && d.top < req.OffsetID) {
				start = i
				break
			}
		}
	}
	limit := req.Limit
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	end := min(start+limit, len(all))
	page := all[start:end]

	users := map[int64]bool{c.userID: true}
	var dialogs []tg.DialogClass
	var msgs []tg.MessageClass
	var chats []tg.ChatClass
	for _, d := range page {
		var g *group
		if d.peer.chat != 0 {
			g = s.chats[d.peer.chat]
			chats = append(chats, s.chatFor(c.userID, g))
			if g.Creator != 0 {
				users[g.Creator] = true
			}
		} else {
			users[d.peer.user] = true
		}
		dl := &tg.Dialog{
			Peer: peerOf(d.peer, g), TopMessage: d.top, UnreadCount: d.unread,
			ReadInboxMaxID: d.top, ReadOutboxMaxID: d.top, NotifySettings: tg.PeerNotifySettings{},
		}
		if g != nil && g.Type != ChatGroup {
			dl.Pts = 1
		}
		dialogs = append(dialogs, dl)
		msgs = append(msgs, d.msg)
	}
	us := s.usersFor(c.userID, users)
	if start == 0 && end == len(all) {
		return &tg.MessagesDialogs{Dialogs: dialogs, Messages: msgs, Chats: nonNilChats(chats), Users: us}, nil
	}
	return &tg.MessagesDialogsSlice{Count: len(all), Dialogs: dialogs, Messages: msgs, Chats: nonNilChats(chats), Users: us}, nil
}

func nonNilChats(c []tg.ChatClass) []tg.ChatClass {
	if c == nil {
		return []tg.ChatClass{}
	}
	return c
}

func (s *Server) usersFor(viewer int64, ids map[int64]bool) []tg.UserClass {
	keys := make([]int64, 0, len(ids))
	for id := range ids {
		if _, ok := s.people[id]; ok {
			keys = append(keys, id)
		}
	}
	slices.Sort(keys)
	out := make([]tg.UserClass, 0, len(keys))
	for _, id := range keys {
		out = append(out, s.userFor(viewer, s.people[id]))
	}
	return out
}

func (s *Server) getHistory(ctx context.Context, req *tg.MessagesGetHistoryRequest) (tg.MessagesMessagesClass, error) {
	c := callerFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	ref, err := s.inputPeer(c.userID, req.Peer)
	if err != nil {
		return nil, err
	}
	if ref.chat != 0 {
		g := s.chats[ref.chat]
		if !g.canSee(c.userID) {
			if g.Type == ChatGroup {
				return nil, errChatIDInvalid
			}
			return nil, errChannelPrivate
		}
		msgs := []tg.MessageClass{s.serviceMessage(g)}
		if req.OffsetID == 1 || req.AddOffset > 0 || req.MinID >= 1 {
			msgs = []tg.MessageClass{}
		}
		users := s.usersFor(c.userID, map[int64]bool{g.Creator: true})
		chats := []tg.ChatClass{s.chatFor(c.userID, g)}
		if g.Type == ChatGroup {
			return &tg.MessagesMessages{Messages: msgs, Chats: chats, Users: users}, nil
		}
		return &tg.MessagesChannelMessages{Pts: 1, Count: 1, Messages: msgs, Chats: chats, Users: users}, nil
	}
	// A private conversation, newest first.
	var conv []boxMsg
	if b, ok := s.boxes[c.userID]; ok {
		for i := len(b.Msgs) - 1; i >= 0; i-- {
			if b.Msgs[i].Peer == ref.user {
				conv = append(conv, b.Msgs[i])
			}
		}
	}
	start := 0
	if req.OffsetID > 0 {
		start = len(conv)
		for i, m := range conv {
			if m.ID < req.OffsetID {
				start = i
				break
			}
		}
	}
	start = max(0, start+req.AddOffset)
	limit := req.Limit
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	var msgs []tg.MessageClass
	for i := start; i < len(conv) && len(msgs) < limit; i++ {
		m := conv[i]
		if (req.MaxID > 0 && m.ID >= req.MaxID) || (req.MinID > 0 && m.ID <= req.MinID) {
			continue
		}
		msgs = append(msgs, s.boxMessage(c.userID, m))
	}
	if msgs == nil {
		msgs = []tg.MessageClass{}
	}
	users := s.usersFor(c.userID, map[int64]bool{c.userID: true, ref.user: true})
	if len(msgs) == len(conv) {
		return &tg.MessagesMessages{Messages: msgs, Chats: []tg.ChatClass{}, Users: users}, nil
	}
	return &tg.MessagesMessagesSlice{Count: len(conv), Messages: msgs, Chats: []tg.ChatClass{}, Users: users}, nil
}

func (s *Server) getFullChat(ctx context.Context, chatID int64) (*tg.MessagesChatFull, error) {
	c := callerFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.chats[chatID]
	if !ok || g.Type != ChatGroup || !g.isMember(c.userID) {
		return nil, errChatIDInvalid
	}
	parts := make([]tg.ChatParticipantClass, 0, len(g.members))
	users := map[int64]bool{}
	for _, id := range g.members {
		users[id] = true
		switch {
		case id == g.Creator:
			parts = append(parts, &tg.ChatParticipantCreator{UserID: id})
		case g.admins[id]:
			parts = append(parts, &tg.ChatParticipantAdmin{UserID: id, InviterID: g.Creator, Date: g.joined(id)})
		default:
			parts = append(parts, &tg.ChatParticipant{UserID: id, InviterID: g.Creator, Date: g.joined(id)})
		}
	}
	full := &tg.ChatFull{
		ID:             g.ID,
		About:          g.About,
		Participants:   &tg.ChatParticipants{ChatID: g.ID, Participants: parts, Version: 1},
		NotifySettings: tg.PeerNotifySettings{},
	}
	return &tg.MessagesChatFull{FullChat: full, Chats: []tg.ChatClass{s.chatFor(c.userID, g)}, Users: s.usersFor(c.userID, users)}, nil
}

func (s *Server) getFullChannel(ctx context.Context, in tg.InputChannelClass) (*tg.MessagesChatFull, error) {
	c := callerFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.inputChannel(in)
	if err != nil {
		return nil, err
	}
	if !g.canSee(c.userID) {
		return nil, errChannelPrivate
	}
	admin := g.isAdmin(c.userID)
	admins := len(g.admins)
	if g.Creator != 0 && !g.admins[g.Creator] {
		admins++
	}
	full := &tg.ChannelFull{
		ID:                  g.ID,
		About:               g.About,
		ParticipantsCount:   len(g.members),
		AdminsCount:         admins,
		ReadInboxMaxID:      1,
		ReadOutboxMaxID:     1,
		ChatPhoto:           &tg.PhotoEmpty{},
		NotifySettings:      tg.PeerNotifySettings{},
		BotInfo:             []tg.BotInfo{},
		Pts:                 1,
		ParticipantsHidden:  g.HiddenMembers,
		CanViewParticipants: admin || (g.Type == ChatSupergroup && !g.HiddenMembers),
	}
	if admin {
		full.KickedCount = len(g.kicked)
		full.BannedCount = len(g.banned)
	}
	return &tg.MessagesChatFull{FullChat: full, Chats: []tg.ChatClass{s.chatFor(c.userID, g)}, Users: []tg.UserClass{}}, nil
}

func (s *Server) getChats(ctx context.Context, ids []int64) (tg.MessagesChatsClass, error) {
	c := callerFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	out := &tg.MessagesChats{Chats: []tg.ChatClass{}}
	for _, id := range ids {
		if g, ok := s.chats[id]; ok && g.Type == ChatGroup {
			out.Chats = append(out.Chats, s.chatFor(c.userID, g))
		}
	}
	return out, nil
}

func (s *Server) getChannels(ctx context.Context, ids []tg.InputChannelClass) (tg.MessagesChatsClass, error) {
	c := callerFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	out := &tg.MessagesChats{Chats: []tg.ChatClass{}}
	for _, in := range ids {
		g, err := s.inputChannel(in)
		if err != nil {
			if len(ids) == 1 {
				return nil, err
			}
			continue
		}
		out.Chats = append(out.Chats, s.chatFor(c.userID, g))
	}
	return out, nil
}
