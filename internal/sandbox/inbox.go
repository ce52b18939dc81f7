package sandbox

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gotd/td/tg"
)

// Write delivers a private message between two users of the world as if
// it were written in a Telegram app outside the product: a stranger
// writing to an account first, a person sending a photo, an account
// writing from its own phone. Each side's live connection gets it pushed
// (with the other side's user, so a client knows who wrote), with the pts
// getDifference gives it. It is recorded with Reply set (not a client's
// send).
func (s *Server) Write(from, to int64, text string, media *Media) (Message, error) {
	if media != nil {
		if err := media.check(); err != nil {
			return Message{}, err
		}
	}
	if strings.TrimSpace(text) == "" && media == nil {
		return Message{}, errors.New("a message needs text or media")
	}
	if utf16Len(text) > maxMessageLength || (media != nil && utf16Len(text) > maxCaptionLength) {
		return Message{}, fmt.Errorf("the text is %d characters (UTF-16 units); Telegram allows %d, or %d as a caption", utf16Len(text), maxMessageLength, maxCaptionLength)
	}
	s.mu.Lock()
	a, b := s.people[from], s.people[to]
	s.mu.Unlock()
	if a == nil || b == nil || from == to {
		return Message{}, fmt.Errorf("from %d and to %d must be two different users of the world", from, to)
	}
	if media != nil && media.Data != nil {
		// Telegram keeps a file on the data center of whoever uploaded
		// it: the writer's, which the reader reaches with FILE_MIGRATE.
		f, err := s.writtenFile(a.DC, media)
		if err != nil {
			return Message{}, err
		}
		media = f.media()
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return Message{}, errors.New("the sandbox is closed")
	}
	out, in := s.deliver(outgoing{from: from, to: to, text: text, randomID: randInt64(), reply: true, media: media})
	rec := s.delivered[len(s.delivered)-1]
	toIn := s.pushedMessage(to, from, in)
	toOut := s.pushedMessage(from, to, out)
	s.mu.Unlock()
	s.push(to, toIn)
	s.push(from, toOut)
	return rec, nil
}

// writtenFile keeps the bytes of a message written with Write as the photo
// or document a Telegram app would have sent.
func (s *Server) writtenFile(dc int, m *Media) (*storedFile, error) {
	if m.Type == "photo" {
		f, err := s.newFile(dc, true, m.Data, m.FileName, "", nil)
		if err != nil {
			return nil, fmt.Errorf("media.data is not a picture Telegram takes as a photo (%v): send it as a document", err)
		}
		return f, nil
	}
	return s.newFile(dc, false, m.Data, m.FileName, m.MimeType, writeAttributes(m.Type, m.FileName))
}

// pushedMessage is a box entry as a full update to its owner, naming the
// other side; s.mu is held.
func (s *Server) pushedMessage(owner, peer int64, m boxMsg) *tg.Updates {
	return &tg.Updates{
		Updates: []tg.UpdateClass{&tg.UpdateNewMessage{Message: s.boxMessage(owner, m), Pts: m.Pts, PtsCount: 1}},
		Users:   s.usersFor(owner, map[int64]bool{owner: true, peer: true}),
		Chats:   []tg.ChatClass{},
		Date:    m.Date,
	}
}
