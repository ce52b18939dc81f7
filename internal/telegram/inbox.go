package telegram

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gotd/td/tg"
)

// PrivateMessage is a message of a private chat of the account, in either
// direction, as the inbox keeps it: text, and media as a kind and a size
// (the file itself is not fetched).
type PrivateMessage struct {
	ID int
	// PeerID is the other person of the chat (the sender of an incoming
	// message, the recipient of an outgoing one).
	PeerID int64
	Out    bool
	Text   string
	// Entities are the text's formatting, as Telegram sent it.
	Entities []tg.MessageEntityClass
	Date     time.Time
	// MediaType is "" for none, else "photo", "video", "voice", "audio",
	// "sticker", "animation", "document", "location", "contact", "poll"
	// or "media"; MediaSize is in bytes when Telegram said.
	MediaType string
	MediaSize int64
	// MediaMIME and MediaFileName are what Telegram said of the file
	// (image/jpeg for a photo); the bytes are fetched with MessageMedia
	// and Download when someone opens it.
	MediaMIME     string
	MediaFileName string
	// The person, when the update or answer named them (AccessHash 0 and
	// empty names when not).
	AccessHash int64
	FirstName  string
	LastName   string
	Username   string
	// RandomID is the random_id of a message the product sent itself
	// over the account's live connection (a campaign's, an answer); 0
	// for any other.
	RandomID int64
}

// pushedMessages picks the private messages of one pushed update.
func pushedMessages(u tg.UpdatesClass) []PrivateMessage {
	switch v := u.(type) {
	case *tg.UpdateShortMessage:
		return []PrivateMessage{{ID: v.ID, PeerID: v.UserID, Out: v.Out, Text: v.Message, Entities: v.Entities, Date: unixTime(v.Date)}}
	case *tg.Updates:
		return privateMessages(newMessages(nil, v.Updates), v.Users)
	case *tg.UpdatesCombined:
		return privateMessages(newMessages(nil, v.Updates), v.Users)
	case *tg.UpdateShort:
		return privateMessages(newMessages(nil, []tg.UpdateClass{v.Update}), nil)
	}
	return nil
}

func newMessages(msgs []tg.MessageClass, updates []tg.UpdateClass) []tg.MessageClass {
	for _, u := range updates {
		if m, ok := u.(*tg.UpdateNewMessage); ok {
			msgs = append(msgs, m.Message)
		}
	}
	return msgs
}

// History is a page of the private chat with a person, newest first:
// messages older than beforeID (0: the newest), at most limit.
func History(ctx context.Context, api *tg.Client, userID, accessHash int64, beforeID, limit int) ([]PrivateMessage, error) {
	res, err := api.MessagesGetHistory(ctx, &tg.MessagesGetHistoryRequest{
		Peer: &tg.InputPeerUser{UserID: userID, AccessHash: accessHash}, OffsetID: beforeID, Limit: limit,
	})
	if err != nil {
		return nil, fmt.Errorf("telegram messages.getHistory: %w", err)
	}
	page, ok := res.(interface {
		GetMessages() []tg.MessageClass
		GetUsers() []tg.UserClass
	})
	if !ok {
		return nil, nil
	}
	return privateMessages(page.GetMessages(), page.GetUsers()), nil
}

// ReadHistory marks the chat with a person read on Telegram up to maxID.
func ReadHistory(ctx context.Context, api *tg.Client, userID, accessHash int64, maxID int) error {
	_, err := api.MessagesReadHistory(ctx, &tg.MessagesReadHistoryRequest{
		Peer: &tg.InputPeerUser{UserID: userID, AccessHash: accessHash}, MaxID: maxID,
	})
	if err != nil {
		return fmt.Errorf("telegram messages.readHistory: %w", err)
	}
	return nil
}

// SendText sends a text with its formatting (entities, nil for none) to
// a person with the caller's random_id and returns the message id
// Telegram gave it. Sending again with the same random_id is the same
// message to Telegram, which drops the duplicate.
func SendText(ctx context.Context, api *tg.Client, userID, accessHash int64, text string, entities []tg.MessageEntityClass, randomID int64) (int, error) {
	res, err := api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{
		Peer: &tg.InputPeerUser{UserID: userID, AccessHash: accessHash}, Message: text, Entities: entities, RandomID: randomID, NoWebpage: true,
	})
	if err != nil {
		return 0, err
	}
	return SentMessageID(res, randomID), nil
}

// SentMessageID is the id of the message a send of randomID made, as
// Telegram's answer tells it; 0 when it does not.
func SentMessageID(res tg.UpdatesClass, randomID int64) int {
	switch u := res.(type) {
	case *tg.UpdateShortSentMessage:
		return u.ID
	case *tg.Updates:
		for _, x := range u.Updates {
			if m, ok := x.(*tg.UpdateMessageID); ok && m.RandomID == randomID {
				return m.ID
			}
		}
		for _, x := range u.Updates {
			if m, ok := x.(*tg.UpdateNewMessage); ok {
				return m.Message.GetID()
			}
		}
	}
	return 0
}

// privateMessages keeps the messages of private chats with people.
func privateMessages(msgs []tg.MessageClass, users []tg.UserClass) []PrivateMessage {
	byID := map[int64]*tg.User{}
	for _, u := range users {
		if v, ok := u.(*tg.User); ok {
			byID[v.ID] = v
		}
	}
	var out []PrivateMessage
	for _, mc := range msgs {
		m, ok := mc.(*tg.Message)
		if !ok {
			continue
		}
		peer, ok := m.PeerID.(*tg.PeerUser)
		if !ok {
			continue
		}
		pm := PrivateMessage{ID: m.ID, PeerID: peer.UserID, Out: m.Out, Text: m.Message, Entities: m.Entities, Date: unixTime(m.Date)}
		if media, ok := m.GetMedia(); ok {
			pm.MediaType, pm.MediaSize = mediaOf(media)
			pm.MediaMIME, pm.MediaFileName = fileOf(media)
		}
		if u := byID[peer.UserID]; u != nil {
			if u.Bot || u.Self {
				continue // bots and Saved Messages are not conversations with a person
			}
			pm.AccessHash, pm.FirstName, pm.LastName, pm.Username = u.AccessHash, u.FirstName, u.LastName, u.Username
		}
		out = append(out, pm)
	}
	return out
}

// mediaOf names a message's media and its size.
func mediaOf(m tg.MessageMediaClass) (string, int64) {
	switch v := m.(type) {
	case *tg.MessageMediaPhoto:
		var size int64
		if p, ok := v.Photo.(*tg.Photo); ok {
			for _, s := range p.Sizes {
				switch ps := s.(type) {
				case *tg.PhotoSize:
					size = max(size, int64(ps.Size))
				case *tg.PhotoSizeProgressive:
					for _, n := range ps.Sizes {
						size = max(size, int64(n))
					}
				}
			}
		}
		return "photo", size
	case *tg.MessageMediaDocument:
		d, ok := v.Document.(*tg.Document)
		if !ok {
			return "document", 0
		}
		return documentKind(d), d.Size
	case *tg.MessageMediaGeo, *tg.MessageMediaGeoLive, *tg.MessageMediaVenue:
		return "location", 0
	case *tg.MessageMediaContact:
		return "contact", 0
	case *tg.MessageMediaPoll:
		return "poll", 0
	case *tg.MessageMediaWebPage, *tg.MessageMediaEmpty:
		return "", 0 // a link preview is part of the text
	}
	return "media", 0
}

// fileOf is the MIME type and file name of a message's photo or file.
func fileOf(m tg.MessageMediaClass) (mimeType, name string) {
	switch v := m.(type) {
	case *tg.MessageMediaPhoto:
		if _, ok := v.Photo.(*tg.Photo); ok {
			return "image/jpeg", ""
		}
	case *tg.MessageMediaDocument:
		if d, ok := v.Document.(*tg.Document); ok {
			for _, a := range d.Attributes {
				if f, ok := a.(*tg.DocumentAttributeFilename); ok {
					name = f.FileName
				}
			}
			return d.MimeType, name
		}
	}
	return "", ""
}

func documentKind(d *tg.Document) string {
	for _, a := range d.Attributes {
		switch v := a.(type) {
		case *tg.DocumentAttributeSticker:
			return "sticker"
		case *tg.DocumentAttributeAnimated:
			return "animation"
		case *tg.DocumentAttributeVideo:
			if v.RoundMessage {
				return "video_message"
			}
			return "video"
		case *tg.DocumentAttributeAudio:
			if v.Voice {
				return "voice"
			}
			return "audio"
		}
	}
	switch {
	case strings.HasPrefix(d.MimeType, "video/"):
		return "video"
	case strings.HasPrefix(d.MimeType, "audio/"):
		return "audio"
	}
	// An image sent as a file (uncompressed, under its name) stays a
	// file, as Telegram's apps show it: it has no photo sizes to show
	// inline, and its sender chose a download.
	return "document"
}

func unixTime(sec int) time.Time { return time.Unix(int64(sec), 0).UTC() }
