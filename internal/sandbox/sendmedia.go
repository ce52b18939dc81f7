package sandbox

import (
	"context"

	"github.com/gotd/td/tg"
)

// sendMedia delivers a photo or document with its caption, with
// sendMessage's checks (the random_id cache, entities, the recipient's
// block, privacy and the daily limit on strangers) and the caption limit
// in their place of the text limit. The recipient gets it pushed as an
// updateNewMessage carrying the media.
func (s *Server) sendMedia(ctx context.Context, req *tg.MessagesSendMediaRequest) (tg.UpdatesClass, error) {
	c := callerFrom(ctx)
	s.mu.Lock()
	ref, ents, dup, err := s.checkSend(c, req.Peer, req.RandomID, req.Message, req.Entities)
	s.mu.Unlock()
	if err != nil || dup != nil {
		return dup, err
	}
	// Putting uploaded parts together and making a photo's sizes is the
	// slow part; it runs without the lock.
	f, err := s.inputMedia(c, req.Media)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Another connection may have sent this random_id meanwhile.
	if id, ok := s.sentRandom[randKey{from: c.userID, randomID: req.RandomID}]; ok && !s.noRandomIDDedup.Load() {
		return s.duplicateSend(c.userID, id, req.RandomID), nil
	}
	me, target := s.people[c.userID], s.people[ref.user]
	admitted, err := s.admit("messages.sendMedia", me, target)
	if err != nil {
		return nil, err
	}
	admitted()
	out, in := s.deliver(outgoing{
		from: me.ID, to: target.ID, text: req.Message, randomID: req.RandomID,
		entities: ents, media: f.media(),
	})
	if target.ID != me.ID {
		pushed := s.pushedMessage(target.ID, me.ID, in)
		c.after(func() { s.push(target.ID, pushed) })
		s.scriptReply(c, me, target)
	}
	return &tg.Updates{
		Updates: []tg.UpdateClass{
			&tg.UpdateMessageID{ID: out.ID, RandomID: req.RandomID},
			&tg.UpdateNewMessage{Message: s.boxMessage(me.ID, out), Pts: out.Pts, PtsCount: 1},
		},
		Users: s.usersFor(me.ID, map[int64]bool{me.ID: true, target.ID: true}),
		Chats: []tg.ChatClass{},
		Date:  out.Date,
	}, nil
}

// checkSend is what sendMedia checks before the media: the peer, the
// random_id (a repeat answers with the original message) and the caption
// with its entities; s.mu is held.
func (s *Server) checkSend(c *caller, peer tg.InputPeerClass, randomID int64, caption string, entities []tg.MessageEntityClass) (peerRef, []Entity, tg.UpdatesClass, error) {
	ref, err := s.inputPeer(c.userID, peer)
	if err != nil {
		return ref, nil, nil, err
	}
	if ref.chat != 0 {
		return ref, nil, nil, errChatWriteDenied
	}
	if randomID == 0 {
		return ref, nil, nil, errRandomIDEmpty
	}
	if id, ok := s.sentRandom[randKey{from: c.userID, randomID: randomID}]; ok && !s.noRandomIDDedup.Load() {
		return ref, nil, s.duplicateSend(c.userID, id, randomID), nil
	}
	if utf16Len(caption) > maxCaptionLength {
		return ref, nil, nil, errCaptionTooLong
	}
	ents, err := s.checkEntities(c.userID, caption, entities)
	return ref, ents, nil, err
}
