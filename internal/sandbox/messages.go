package sandbox

import (
	"context"
	"log/slog"
	"unicode/utf8"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
)

const maxMessageLength = 4096

var (
	errMessageEmpty   = rpcErr(400, "MESSAGE_EMPTY")
	errMessageTooLong = rpcErr(400, "MESSAGE_TOO_LONG")
	errRandomIDEmpty  = rpcErr(400, "RANDOM_ID_EMPTY")
	errPrivacy        = rpcErr(403, "USER_PRIVACY_RESTRICTED")
	errPeerFlood      = rpcErr(400, "PEER_FLOOD")
)

func (s *Server) registerMessages(d *tg.ServerDispatcher) {
	d.OnMessagesSendMessage(s.sendMessage)
}

// strangerDay counts the non-contacts an account wrote to on one UTC day.
type strangerDay struct {
	Day   string         `json:"day"`
	Peers map[int64]bool `json:"peers"`
}

func (d *strangerDay) clone() *strangerDay {
	cp := &strangerDay{Day: d.Day, Peers: map[int64]bool{}}
	for k, v := range d.Peers {
		cp.Peers[k] = v
	}
	return cp
}

func (s *Server) strangersToday(uid int64) *strangerDay {
	day := s.now().UTC().Format("2006-01-02")
	d, ok := s.strangers[uid]
	if !ok || d.Day != day {
		d = &strangerDay{Day: day, Peers: map[int64]bool{}}
		s.strangers[uid] = d
	}
	return d
}

func (s *Server) box(uid int64) *box {
	b, ok := s.boxes[uid]
	if !ok {
		b = &box{Pts: 1}
		s.boxes[uid] = b
	}
	return b
}

// appendBox adds a message to uid's box with the next id and pts.
func (s *Server) appendBox(uid int64, m boxMsg) boxMsg {
	b := s.box(uid)
	b.Pts++
	m.ID = len(b.Msgs) + 1
	m.Pts = b.Pts
	b.Msgs = append(b.Msgs, m)
	return m
}

// boxMessage is a box entry as its owner sees it.
func (s *Server) boxMessage(owner int64, m boxMsg) *tg.Message {
	msg := &tg.Message{ID: m.ID, Out: m.Out, Date: m.Date, Message: m.Text, PeerID: &tg.PeerUser{UserID: m.Peer}}
	if m.Out {
		msg.FromID = &tg.PeerUser{UserID: owner}
	}
	return msg
}

// sendMessage delivers a private message with Telegram's checks in
// Telegram's order: the random_id cache first, then the text, the
// recipient, the daily limit on strangers, and the recipient's privacy.
func (s *Server) sendMessage(ctx context.Context, req *tg.MessagesSendMessageRequest) (tg.UpdatesClass, error) {
	c := callerFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	ref, err := s.inputPeer(c.userID, req.Peer)
	if err != nil {
		return nil, err
	}
	if ref.chat != 0 {
		// Posting in groups and channels is outside what the sandbox models.
		return nil, errChatWriteDenied
	}
	if req.RandomID == 0 {
		return nil, errRandomIDEmpty
	}
	if id, ok := s.sentRandom[randKey{from: c.userID, randomID: req.RandomID}]; ok {
		return s.duplicateSend(c.userID, id, req.RandomID), nil
	}
	if req.Message == "" {
		return nil, errMessageEmpty
	}
	if utf8.RuneCountInString(req.Message) > maxMessageLength {
		return nil, errMessageTooLong
	}
	me, target := s.people[c.userID], s.people[ref.user]
	if target.Deleted {
		return nil, errInputUserDeleted
	}
	stranger := target.ID != me.ID && !me.contacts[target.ID]
	var day *strangerDay
	if stranger {
		day = s.strangersToday(me.ID)
		if !day.Peers[target.ID] && len(day.Peers) >= s.world.Limits.PeerFloodAfter {
			s.log.Info("sandbox PEER_FLOOD", "user", me.ID, "strangers_today", len(day.Peers))
			return nil, errPeerFlood
		}
	}
	if target.PrivacyStrangers == "deny" && target.ID != me.ID && !target.contacts[me.ID] {
		return nil, errPrivacy
	}
	if stranger {
		day.Peers[target.ID] = true
	}
	out, in := s.deliver(me.ID, target.ID, req.Message, req.RandomID)
	if target.ID != me.ID {
		c.after(func() { s.push(target.ID, incoming(me.ID, in)) })
		if target.Reply != "" && !s.replied[[2]int64{target.ID, me.ID}] {
			s.replied[[2]int64{target.ID, me.ID}] = true
			c.after(func() { s.reply(target.ID, me.ID, target.Reply) })
		}
	}
	return &tg.UpdateShortSentMessage{Out: true, ID: out.ID, Pts: out.Pts, PtsCount: 1, Date: out.Date}, nil
}

// duplicateSend is Telegram's answer to a random_id it has seen from this
// sender: the original message again, with pts_count 0, and nothing new
// delivered.
func (s *Server) duplicateSend(uid int64, msgID int, randomID int64) tg.UpdatesClass {
	m := s.boxes[uid].Msgs[msgID-1]
	return &tg.Updates{
		Updates: []tg.UpdateClass{
			&tg.UpdateMessageID{ID: m.ID, RandomID: randomID},
			&tg.UpdateNewMessage{Message: s.boxMessage(uid, m), Pts: m.Pts, PtsCount: 0},
		},
		Users: s.usersFor(uid, map[int64]bool{uid: true, m.Peer: true}),
		Chats: []tg.ChatClass{},
		Date:  int(s.now().Unix()),
	}
}

// deliver writes a message into both boxes and the delivery log.
func (s *Server) deliver(from, to int64, text string, randomID int64) (out, in boxMsg) {
	now := s.now()
	date := int(now.Unix())
	out = s.appendBox(from, boxMsg{Peer: to, Out: true, Text: text, Date: date, RandomID: randomID})
	s.sentRandom[randKey{from: from, randomID: randomID}] = out.ID
	in = out
	if to != from {
		in = s.appendBox(to, boxMsg{Peer: from, Text: text, Date: date})
	}
	s.delivered = append(s.delivered, Message{From: from, To: to, Text: text, RandomID: randomID, Date: now.UTC().Truncate(0)})
	s.dirty = true
	return out, in
}

func incoming(from int64, m boxMsg) *tg.UpdateShortMessage {
	return &tg.UpdateShortMessage{ID: m.ID, UserID: from, Message: m.Text, Pts: m.Pts, PtsCount: 1, Date: m.Date}
}

// reply is a scripted answer: from writes back to to, which gets it as an
// update and in its dialogs and history.
func (s *Server) reply(from, to int64, text string) {
	s.mu.Lock()
	out, in := s.deliver(from, to, text, randInt64())
	s.mu.Unlock()
	s.push(to, incoming(from, in))
	s.push(from, &tg.UpdateShortMessage{Out: true, ID: out.ID, UserID: to, Message: text, Pts: out.Pts, PtsCount: 1, Date: out.Date})
}

// push sends an update to every live session of uid; sessions that are not
// connected catch up with updates.getDifference.
func (s *Server) push(uid int64, u bin.Encoder) {
	s.mu.Lock()
	var refs []keyRef
	for ref, a := range s.auths {
		if a.UserID == uid && !a.Revoked {
			refs = append(refs, ref)
		}
	}
	s.mu.Unlock()
	for _, ref := range refs {
		d, ok := s.dcs[ref.DC]
		if !ok {
			continue
		}
		if err := d.srv.Push(context.Background(), ref.KeyID, u); err != nil {
			s.log.Debug("update not pushed", slog.Int64("user", uid), slog.Any("error", err))
		}
	}
}
