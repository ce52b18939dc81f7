package sandbox

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"time"

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
	errUserBlocked    = rpcErr(400, "USER_IS_BLOCKED")
)

func (s *Server) registerMessages(d *tg.ServerDispatcher) {
	d.OnMessagesSendMessage(s.sendMessage)
	d.OnMessagesSendMedia(s.sendMedia)
	d.OnMessagesUploadMedia(s.uploadMedia)
	d.OnMessagesGetMessages(s.getMessages)
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
	if len(m.Entities) > 0 {
		msg.SetEntities(tgEntities(m.Entities))
	}
	if m.Out {
		msg.FromID = &tg.PeerUser{UserID: owner}
	}
	if m.Media != nil {
		if f := s.files[m.Media.File]; f != nil {
			msg.SetMedia(s.fileMedia(f))
		} else {
			msg.SetMedia(m.Media.tg(m))
		}
	}
	return msg
}

// sendMessage delivers a private message with Telegram's checks in
// Telegram's order: the random_id cache first, then the text and its
// entities, the recipient, the daily limit on strangers, and the
// recipient's privacy.
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
	if id, ok := s.sentRandom[randKey{from: c.userID, randomID: req.RandomID}]; ok && !s.noRandomIDDedup.Load() {
		return s.duplicateSend(c.userID, id, req.RandomID), nil
	}
	if strings.TrimSpace(req.Message) == "" {
		return nil, errMessageEmpty
	}
	// Telegram measures text in UTF-16 code units, as it does entities: an
	// emoji outside the Basic Multilingual Plane counts two.
	if utf16Len(req.Message) > maxMessageLength {
		return nil, errMessageTooLong
	}
	ents, err := s.checkEntities(c.userID, req.Message, req.Entities)
	if err != nil {
		return nil, err
	}
	me, target := s.people[c.userID], s.people[ref.user]
	admitted, err := s.admit("messages.sendMessage", me, target)
	if err != nil {
		return nil, err
	}
	admitted()
	out, in := s.deliver(outgoing{
		from: me.ID, to: target.ID, text: req.Message, randomID: req.RandomID,
		entities: ents, noWebpage: req.NoWebpage,
	})
	if target.ID != me.ID {
		c.after(func() { s.push(target.ID, s.shortMessage(me.ID, in)) })
		s.scriptReply(c, me, target)
	}
	return &tg.UpdateShortSentMessage{Out: true, ID: out.ID, Pts: out.Pts, PtsCount: 1, Date: out.Date, Entities: tgEntities(out.Entities)}, nil
}

// admit is Telegram's checks on whom a private message goes to, in
// Telegram's order: a deleted account, a block, the daily limit on
// strangers, the recipient's privacy. The answer marks the recipient as
// written to today; call it once the message is sure to go. s.mu is held.
func (s *Server) admit(method string, me, target *person) (func(), error) {
	self := target.ID == me.ID
	if target.Deleted {
		return nil, errInputUserDeleted
	}
	if !self && (target.BlocksEveryone || slices.Contains(target.Blocked, me.ID)) {
		return nil, errUserBlocked
	}
	stranger := !self && !me.contacts[target.ID]
	var day *strangerDay
	if stranger {
		day = s.strangersToday(me.ID)
		limit := s.world.Limits.PeerFloodAfter
		if me.PeerFloodAfter > 0 {
			limit = me.PeerFloodAfter
		}
		if !day.Peers[target.ID] && len(day.Peers) >= limit {
			s.log.Info("sandbox PEER_FLOOD", "user", me.ID, "strangers_today", len(day.Peers))
			s.recordHit(me.ID, method, "PEER_FLOOD", s.now())
			return nil, errPeerFlood
		}
	}
	if target.PrivacyStrangers == "deny" && !self && !target.contacts[me.ID] {
		return nil, errPrivacy
	}
	return func() {
		if stranger {
			day.Peers[target.ID] = true
		}
	}, nil
}

// scriptReply sends the recipient's scripted reply to the first message
// from me, at once or after its delay; s.mu is held.
func (s *Server) scriptReply(c *caller, me, target *person) {
	key := [2]int64{target.ID, me.ID}
	if target.Reply == "" || s.replied[key] {
		return
	}
	s.replied[key] = true
	if target.replyAfter <= 0 {
		c.after(func() { s.reply(target.ID, me.ID, target.Reply) })
		return
	}
	s.scheduleReply(pendingReply{From: target.ID, To: me.ID, Text: target.Reply, Due: s.now().Add(target.replyAfter)}, target.replyAfter)
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

// outgoing is one message to deliver.
type outgoing struct {
	from, to  int64
	text      string
	randomID  int64
	entities  []Entity
	noWebpage bool
	reply     bool
	media     *Media
}

// deliver writes a message into both boxes (one for Saved Messages) and
// the delivery log.
func (s *Server) deliver(m outgoing) (out, in boxMsg) {
	now := s.now()
	date := int(now.Unix())
	out = s.appendBox(m.from, boxMsg{
		Peer: m.to, Out: true, Text: m.text, Date: date, RandomID: m.randomID,
		Entities: m.entities, NoWebpage: m.noWebpage, Media: m.media,
	})
	s.sentRandom[randKey{from: m.from, randomID: m.randomID}] = out.ID
	in = out
	if m.to != m.from {
		in = s.appendBox(m.to, boxMsg{Peer: m.from, Text: m.text, Date: date, Entities: m.entities, NoWebpage: m.noWebpage, Media: m.media})
	}
	s.delivered = append(s.delivered, Message{
		From: m.from, To: m.to, Text: m.text, RandomID: m.randomID, Date: now.UTC().Round(0),
		Entities: m.entities, NoWebpage: m.noWebpage, MessageID: out.ID, Reply: m.reply, Media: m.media,
	})
	s.dirty = true
	return out, in
}

// shortMessage is a box entry as an updateShortMessage to its owner, who
// talks with peer.
func (s *Server) shortMessage(peer int64, m boxMsg) *tg.UpdateShortMessage {
	return &tg.UpdateShortMessage{
		Out: m.Out, ID: m.ID, UserID: peer, Message: m.Text, Pts: m.Pts, PtsCount: 1, Date: m.Date,
		Entities: tgEntities(m.Entities),
	}
}

// reply is a scripted answer: from writes back to to, which gets it as an
// update and in its dialogs, history and updates.getDifference.
func (s *Server) reply(from, to int64, text string) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	out, in := s.deliver(outgoing{from: from, to: to, text: text, randomID: randInt64(), reply: true})
	s.mu.Unlock()
	s.push(to, s.shortMessage(from, in))
	s.push(from, s.shortMessage(to, out))
}

// pendingReply is a scripted reply waiting for its "reply_after" delay; it
// is kept in the state file, so a restart still sends it.
type pendingReply struct {
	ID   int64     `json:"id"`
	From int64     `json:"from"`
	To   int64     `json:"to"`
	Text string    `json:"text"`
	Due  time.Time `json:"due"`
}

// scheduleReply starts the reply's timer; s.mu is held. The timer runs on
// its own goroutine and takes the lock only to deliver.
func (s *Server) scheduleReply(p pendingReply, d time.Duration) {
	if p.ID == 0 {
		p.ID = randInt64()
	}
	s.pending[p.ID] = &p
	s.dirty = true
	s.timers[p.ID] = s.afterFunc(max(d, 0), func() { s.firePending(p.ID) })
}

func (s *Server) firePending(id int64) {
	s.mu.Lock()
	p, ok := s.pending[id]
	if !ok || s.closed {
		s.mu.Unlock()
		return
	}
	delete(s.pending, id)
	delete(s.timers, id)
	s.mu.Unlock()
	s.reply(p.From, p.To, p.Text)
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
			s.log.Debug("update not pushed", slog.Int64("user", uid), slog.Any("err", err))
		}
	}
}
