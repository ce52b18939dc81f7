package message

import (
	"fmt"
	"html"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gotd/td/tg"
)

// Recipient is what placeholders can name.
type Recipient struct {
	FirstName, LastName, Username string
}

// Options are the per-campaign choices that change the rendered text.
type Options struct {
	OptOutFooter bool
}

// Rendered is a message as it is sent: text and its entities.
type Rendered struct {
	Text     string   `json:"text"`
	Entities []Entity `json:"entities"`
}

// Entity is a formatted range of Rendered.Text. Offset and Length count
// UTF-16 code units, as Telegram does.
type Entity struct {
	Type     string `json:"type" enum:"bold,italic,underline,strike,code,pre,link"`
	Offset   int    `json:"offset"`
	Length   int    `json:"length"`
	URL      string `json:"url,omitempty"`
	Language string `json:"language,omitempty"`
}

// Length is the text's length as Telegram counts it (UTF-16 code units),
// to compare with MaxLength.
func (r Rendered) Length() int { return utf16Len(r.Text) }

func utf16Len(s string) int {
	n := 0
	for _, c := range s {
		n += runeUnits(c)
	}
	return n
}

func runeUnits(c rune) int {
	if c >= 0x10000 {
		return 2
	}
	return 1
}

// Check refuses a rendered message Telegram would not take: empty, or
// longer than MaxLength. recipient names who it was rendered for ("@ann",
// "user 42"), so the error says whose message to look at.
func (r Rendered) Check(recipient string) error {
	switch n := r.Length(); {
	case strings.TrimSpace(r.Text) == "":
		return invalid("The message is empty for "+recipient,
			"Add text outside the placeholders, or give them a fallback such as {first_name|there}.")
	case n > MaxLength:
		return invalid(fmt.Sprintf("The message is %d characters long for %s; Telegram allows %d", n, recipient, MaxLength),
			fmt.Sprintf("Shorten it by %d characters (an emoji counts as 2), or use a shorter placeholder than {full_name}.", n-MaxLength))
	}
	return nil
}

// CheckCaption is Check for a message sent as an attachment's caption,
// which Telegram holds to MaxCaptionLength.
func (r Rendered) CheckCaption(recipient string) error {
	if n := r.Length(); n > MaxCaptionLength {
		return invalid(fmt.Sprintf("The message is %d characters long for %s; Telegram allows %d in the caption of an attachment", n, recipient, MaxCaptionLength),
			fmt.Sprintf("Shorten it by %d characters (an emoji counts as 2), or send the attachment without it and the text in a follow-up.", n-MaxCaptionLength))
	}
	return r.Check(recipient)
}

// TG is the entities as gotd sends them.
func (r Rendered) TG() []tg.MessageEntityClass {
	out := make([]tg.MessageEntityClass, 0, len(r.Entities))
	for _, e := range r.Entities {
		switch e.Type {
		case Bold:
			out = append(out, &tg.MessageEntityBold{Offset: e.Offset, Length: e.Length})
		case Italic:
			out = append(out, &tg.MessageEntityItalic{Offset: e.Offset, Length: e.Length})
		case Underline:
			out = append(out, &tg.MessageEntityUnderline{Offset: e.Offset, Length: e.Length})
		case Strike:
			out = append(out, &tg.MessageEntityStrike{Offset: e.Offset, Length: e.Length})
		case Code:
			out = append(out, &tg.MessageEntityCode{Offset: e.Offset, Length: e.Length})
		case Pre:
			out = append(out, &tg.MessageEntityPre{Offset: e.Offset, Length: e.Length, Language: e.Language})
		case Link:
			out = append(out, &tg.MessageEntityTextURL{Offset: e.Offset, Length: e.Length, URL: e.URL})
		}
	}
	return out
}

// Render fills the placeholders for r and returns the text and entities to
// send. It never fails; compare Length with MaxLength before sending.
func (t *Template) Render(r Recipient, o Options) Rendered {
	return t.render(r, o, false)
}

// piece is the template flattened for one recipient: text, the start and
// end of an entity, or a placeholder that rendered nothing.
type piece struct {
	kind pieceKind
	text string
	ent  int // index into entities, for open and close
}

type pieceKind uint8

const (
	pieceText pieceKind = iota
	pieceOpen
	pieceClose
	pieceEmpty
)

// render is Render; allEmpty renders every placeholder as nothing, which
// gives the shortest text any recipient can get.
func (t *Template) render(r Recipient, o Options, allEmpty bool) Rendered {
	var pieces []piece
	var ents []Entity
	var walk func([]node)
	walk = func(nodes []node) {
		for _, n := range nodes {
			switch n.kind {
			case textNode:
				pieces = append(pieces, piece{kind: pieceText, text: n.text})
			case placeholderNode:
				v := ""
				if !allEmpty {
					v = value(n, r)
				}
				if v == "" {
					pieces = append(pieces, piece{kind: pieceEmpty})
				} else {
					pieces = append(pieces, piece{kind: pieceText, text: v})
				}
			case spanNode:
				idx := len(ents)
				ents = append(ents, Entity{Type: n.typ, URL: n.url, Language: n.lang})
				pieces = append(pieces, piece{kind: pieceOpen, ent: idx})
				walk(n.children)
				pieces = append(pieces, piece{kind: pieceClose, ent: idx})
			}
		}
	}
	walk(t.nodes)
	collapse(pieces)

	var b strings.Builder
	off := 0
	for _, p := range pieces {
		switch p.kind {
		case pieceText:
			b.WriteString(p.text)
			off += utf16Len(p.text)
		case pieceOpen:
			ents[p.ent].Offset = off
		case pieceClose:
			ents[p.ent].Length = off - ents[p.ent].Offset
		}
	}
	out := trim(Rendered{Text: b.String(), Entities: ents})
	if o.OptOutFooter {
		if out.Text != "" {
			out.Text += "\n\n"
		}
		out.Text += Footer
	}
	return out
}

// value is what placeholder n shows for r: the value trimmed, else the
// fallback, else "".
func value(n node, r Recipient) string {
	clean := func(s string) string { return strings.TrimSpace(strings.ToValidUTF8(s, "\uFFFD")) }
	var v string
	switch n.text {
	case FirstName:
		v = clean(r.FirstName)
	case LastName:
		v = clean(r.LastName)
	case FullName:
		v = strings.TrimSpace(clean(r.FirstName) + " " + clean(r.LastName))
	case Username:
		if u := strings.TrimPrefix(clean(r.Username), "@"); strings.TrimSpace(u) != "" {
			v = "@" + strings.TrimSpace(u)
		}
	}
	if v == "" {
		v = n.fallback
	}
	return v
}

// collapse removes, for each placeholder that rendered nothing, the space
// before it when what follows would leave a double space or a space before
// punctuation.
func collapse(pieces []piece) {
	for k, p := range pieces {
		if p.kind != pieceEmpty {
			continue
		}
		prev := -1
		for i := k - 1; i >= 0; i-- {
			if pieces[i].kind == pieceText && pieces[i].text != "" {
				prev = i
				break
			}
		}
		if prev < 0 || !strings.HasSuffix(pieces[prev].text, " ") {
			continue
		}
		var next rune = -1
		for i := k + 1; i < len(pieces); i++ {
			if pieces[i].kind == pieceText && pieces[i].text != "" {
				next, _ = utf8.DecodeRuneInString(pieces[i].text)
				break
			}
		}
		if next == -1 || unicode.IsSpace(next) || strings.ContainsRune(",.!?;:)", next) {
			pieces[prev].text = pieces[prev].text[:len(pieces[prev].text)-1]
		}
	}
}

// trim removes leading and trailing white space, as Telegram would, moving
// and clipping the entities with it and dropping those left empty.
func trim(r Rendered) Rendered {
	body := strings.TrimLeftFunc(r.Text, unicode.IsSpace)
	lead := utf16Len(r.Text[:len(r.Text)-len(body)])
	body = strings.TrimRightFunc(body, unicode.IsSpace)
	n := utf16Len(body)
	clamp := func(x int) int { return min(max(x, 0), n) }
	ents := make([]Entity, 0, len(r.Entities))
	for _, e := range r.Entities {
		start, end := clamp(e.Offset-lead), clamp(e.Offset+e.Length-lead)
		if end > start {
			e.Offset, e.Length = start, end-start
			ents = append(ents, e)
		}
	}
	// Outer entities before inner ones at the same offset: the order the
	// template nests them, which Telegram and HTML both expect.
	sort.SliceStable(ents, func(i, j int) bool {
		if ents[i].Offset != ents[j].Offset {
			return ents[i].Offset < ents[j].Offset
		}
		return ents[i].Length > ents[j].Length
	})
	return Rendered{Text: body, Entities: ents}
}

// HTML is the rendered message as safe HTML for a preview: the text
// escaped, entities as <b>, <i>, <u>, <s>, <code>, <pre> and <a>. Line
// breaks stay "\n": show it with white-space: pre-wrap.
func (r Rendered) HTML() string {
	type open struct {
		tag string
		end int
	}
	var b strings.Builder
	var stack []open
	next := 0 // next entity to open
	closeUntil := func(off int) {
		for len(stack) > 0 && stack[len(stack)-1].end <= off {
			b.WriteString("</" + stack[len(stack)-1].tag + ">")
			stack = stack[:len(stack)-1]
		}
	}
	openAt := func(off int) {
		for next < len(r.Entities) && r.Entities[next].Offset <= off {
			e := r.Entities[next]
			next++
			end := e.Offset + e.Length
			// Entities from Render nest; clip any that would not, so the
			// HTML stays well formed.
			if len(stack) > 0 && end > stack[len(stack)-1].end {
				end = stack[len(stack)-1].end
			}
			if end <= off {
				continue
			}
			tag, attrs := htmlTag(e)
			b.WriteString("<" + tag + attrs + ">")
			stack = append(stack, open{tag: tag, end: end})
		}
	}
	off := 0
	for _, c := range r.Text {
		closeUntil(off)
		openAt(off)
		b.WriteString(html.EscapeString(string(c)))
		off += runeUnits(c)
	}
	closeUntil(1 << 62)
	return b.String()
}

func htmlTag(e Entity) (tag, attrs string) {
	switch e.Type {
	case Bold:
		return "b", ""
	case Italic:
		return "i", ""
	case Underline:
		return "u", ""
	case Strike:
		return "s", ""
	case Code:
		return "code", ""
	case Pre:
		if e.Language != "" {
			return "pre", ` data-language="` + html.EscapeString(e.Language) + `"`
		}
		return "pre", ""
	case Link:
		if checkURL(e.URL) != nil {
			return "span", "" // a link from elsewhere (an incoming message) that is not http, https or tg
		}
		return "a", ` href="` + html.EscapeString(e.URL) + `" rel="noopener noreferrer nofollow" target="_blank"`
	}
	return "span", ""
}
