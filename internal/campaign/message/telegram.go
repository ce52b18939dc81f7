package message

import (
	"sort"
	"unicode/utf16"

	"github.com/gotd/td/tg"
)

// FromTG is the formatting of a message as Telegram sent it, as this
// package's entities, for showing it (HTML): kinds this package does not
// write are dropped (mentions, hashtags, spoilers, …), a link's address
// is kept only when it is http, https or tg (text[offset:length] for a
// bare URL), and the list is ordered as HTML nests it.
func FromTG(text string, list []tg.MessageEntityClass) []Entity {
	var units []uint16 // text in UTF-16, made when a bare URL needs it
	out := make([]Entity, 0, len(list))
	for _, ec := range list {
		e := Entity{Offset: ec.GetOffset(), Length: ec.GetLength()}
		switch v := ec.(type) {
		case *tg.MessageEntityBold:
			e.Type = Bold
		case *tg.MessageEntityItalic:
			e.Type = Italic
		case *tg.MessageEntityUnderline:
			e.Type = Underline
		case *tg.MessageEntityStrike:
			e.Type = Strike
		case *tg.MessageEntityCode:
			e.Type = Code
		case *tg.MessageEntityPre:
			e.Type, e.Language = Pre, v.Language
		case *tg.MessageEntityTextURL:
			e.Type, e.URL = Link, v.URL
		case *tg.MessageEntityURL:
			if units == nil {
				units = utf16.Encode([]rune(text))
			}
			if e.Offset < 0 || e.Length < 0 || e.Offset+e.Length > len(units) {
				continue
			}
			e.Type, e.URL = Link, string(utf16.Decode(units[e.Offset:e.Offset+e.Length]))
		default:
			continue
		}
		if e.Length <= 0 || e.Offset < 0 || (e.Type == Link && checkURL(e.URL) != nil) {
			continue
		}
		out = append(out, e)
	}
	Order(out)
	return out
}

// Order sorts entities as HTML nests them: by offset, the longer (outer)
// first.
func Order(list []Entity) {
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].Offset != list[j].Offset {
			return list[i].Offset < list[j].Offset
		}
		return list[i].Length > list[j].Length
	})
}
