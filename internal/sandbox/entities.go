package sandbox

import (
	"strings"
	"unicode"
	"unicode/utf16"

	"github.com/gotd/td/tg"
)

var errEntityBounds = rpcErr(400, "ENTITY_BOUNDS_INVALID")

// Entity is a message entity as the sandbox records it: Telegram's
// constructor name without its "messageEntity" prefix, in snake case
// ("bold", "text_url", "pre", "mention_name"), with offset and length in
// UTF-16 code units as Telegram counts them.
type Entity struct {
	Type     string `json:"type"`
	Offset   int    `json:"offset"`
	Length   int    `json:"length"`
	URL      string `json:"url,omitempty"`
	Language string `json:"language,omitempty"`
	UserID   int64  `json:"user_id,omitempty"`
	// DocumentID is a custom emoji's sticker document.
	DocumentID int64 `json:"document_id,omitempty"`
}

// utf16Len is a text's length as Telegram measures messages and entities.
func utf16Len(s string) int {
	n := 0
	// Ranging decodes invalid UTF-8 as U+FFFD, one unit, as Telegram would
	// see it after its own replacement.
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// entityType turns gotd's TypeName ("messageEntityTextUrl",
// "inputMessageEntityMentionName") into "text_url", "mention_name".
func entityType(typeName string) string {
	name := strings.TrimPrefix(strings.TrimPrefix(typeName, "input"), "Input")
	name = strings.TrimPrefix(strings.TrimPrefix(name, "messageEntity"), "MessageEntity")
	var b strings.Builder
	for i, r := range name {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// checkEntities validates entities against the text the way Telegram does
// (ENTITY_BOUNDS_INVALID for an entity outside the text, of no length or
// at a negative offset) and converts them for the record. A mention of a
// user (inputMessageEntityMentionName) needs a valid access hash, as any
// input user does.
func (s *Server) checkEntities(viewer int64, text string, in []tg.MessageEntityClass) ([]Entity, error) {
	if len(in) == 0 {
		return nil, nil
	}
	size := utf16Len(text)
	out := make([]Entity, 0, len(in))
	for _, e := range in {
		off, n := e.GetOffset(), e.GetLength()
		if off < 0 || n <= 0 || off+n > size {
			return nil, errEntityBounds
		}
		rec := Entity{Type: entityType(e.TypeName()), Offset: off, Length: n}
		switch v := e.(type) {
		case *tg.MessageEntityTextURL:
			rec.URL = v.URL
		case *tg.MessageEntityPre:
			rec.Language = v.Language
		case *tg.MessageEntityMentionName:
			rec.UserID = v.UserID
		case *tg.InputMessageEntityMentionName:
			p, err := s.inputUser(viewer, v.UserID)
			if err != nil {
				return nil, err
			}
			rec.UserID = p.ID
		case *tg.MessageEntityCustomEmoji:
			rec.DocumentID = v.DocumentID
		}
		out = append(out, rec)
	}
	return out, nil
}

// tgEntities rebuilds recorded entities as the recipient's and the sender's
// clients receive them.
func tgEntities(in []Entity) []tg.MessageEntityClass {
	if len(in) == 0 {
		return nil
	}
	out := make([]tg.MessageEntityClass, 0, len(in))
	for _, e := range in {
		o, n := e.Offset, e.Length
		var m tg.MessageEntityClass
		switch e.Type {
		case "bold":
			m = &tg.MessageEntityBold{Offset: o, Length: n}
		case "italic":
			m = &tg.MessageEntityItalic{Offset: o, Length: n}
		case "underline":
			m = &tg.MessageEntityUnderline{Offset: o, Length: n}
		case "strike":
			m = &tg.MessageEntityStrike{Offset: o, Length: n}
		case "code":
			m = &tg.MessageEntityCode{Offset: o, Length: n}
		case "pre":
			m = &tg.MessageEntityPre{Offset: o, Length: n, Language: e.Language}
		case "text_url":
			m = &tg.MessageEntityTextURL{Offset: o, Length: n, URL: e.URL}
		case "url":
			m = &tg.MessageEntityURL{Offset: o, Length: n}
		case "mention":
			m = &tg.MessageEntityMention{Offset: o, Length: n}
		case "mention_name":
			m = &tg.MessageEntityMentionName{Offset: o, Length: n, UserID: e.UserID}
		case "hashtag":
			m = &tg.MessageEntityHashtag{Offset: o, Length: n}
		case "cashtag":
			m = &tg.MessageEntityCashtag{Offset: o, Length: n}
		case "bot_command":
			m = &tg.MessageEntityBotCommand{Offset: o, Length: n}
		case "email":
			m = &tg.MessageEntityEmail{Offset: o, Length: n}
		case "phone":
			m = &tg.MessageEntityPhone{Offset: o, Length: n}
		case "spoiler":
			m = &tg.MessageEntitySpoiler{Offset: o, Length: n}
		case "blockquote":
			m = &tg.MessageEntityBlockquote{Offset: o, Length: n}
		case "custom_emoji":
			m = &tg.MessageEntityCustomEmoji{Offset: o, Length: n, DocumentID: e.DocumentID}
		default:
			m = &tg.MessageEntityUnknown{Offset: o, Length: n}
		}
		out = append(out, m)
	}
	return out
}
