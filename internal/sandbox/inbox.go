package sandbox

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gotd/td/tg"
)

// Media is a photo or file a message carries: what a client sees of it
// (kind, size, type), never the bytes.
type Media struct {
	// Type is "photo", "video", "voice", "audio" or "document".
	Type     string `json:"type"`
	Size     int64  `json:"size"`
	MimeType string `json:"mime_type,omitempty"`
}

func (m *Media) check() error {
	switch m.Type {
	case "photo", "video", "voice", "audio", "document":
	default:
		return fmt.Errorf("media type %q: use photo, video, voice, audio or document", m.Type)
	}
	if m.Size < 0 || m.Size > 4<<30 {
		return errors.New("media size must be between 0 and 4 GiB")
	}
	return nil
}

// tg is the media as Telegram describes it in a message, with ids made
// from the message so they are stable across restarts.
func (m *Media) tg(msg boxMsg) tg.MessageMediaClass {
	id := accessHashFor('m', int64(msg.Date)<<20|int64(msg.ID))
	if m.Type == "photo" {
		return &tg.MessageMediaPhoto{Photo: &tg.Photo{
			ID: id, AccessHash: id, FileReference: []byte{}, Date: msg.Date, DCID: 1,
			Sizes: []tg.PhotoSizeClass{&tg.PhotoSize{Type: "y", W: 1280, H: 960, Size: int(m.Size)}},
		}}
	}
	mime := m.MimeType
	var attrs []tg.DocumentAttributeClass
	switch m.Type {
	case "video":
		attrs = append(attrs, &tg.DocumentAttributeVideo{Duration: 10, W: 1280, H: 720})
		mime = cmpOr(mime, "video/mp4")
	case "voice":
		attrs = append(attrs, &tg.DocumentAttributeAudio{Voice: true, Duration: 5})
		mime = cmpOr(mime, "audio/ogg")
	case "audio":
		attrs = append(attrs, &tg.DocumentAttributeAudio{Duration: 180})
		mime = cmpOr(mime, "audio/mpeg")
	default:
		attrs = append(attrs, &tg.DocumentAttributeFilename{FileName: "file"})
		mime = cmpOr(mime, "application/octet-stream")
	}
	return &tg.MessageMediaDocument{Document: &tg.Document{
		ID: id, AccessHash: id, FileReference: []byte{}, Date: msg.Date, MimeType: mime, Size: m.Size, DCID: 1,
		Attributes: attrs,
	}}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

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
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return Message{}, errors.New("the sandbox is closed")
	}
	a, b := s.people[from], s.people[to]
	if a == nil || b == nil || from == to {
		s.mu.Unlock()
		return Message{}, fmt.Errorf("from %d and to %d must be two different users of the world", from, to)
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
