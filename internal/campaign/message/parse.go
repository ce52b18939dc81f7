package message

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/telegramate/telegramate/internal/apperr"
)

// MaxLength is the longest message text Telegram accepts, in UTF-16 code
// units.
const MaxLength = 4096

// MaxCaptionLength is the longest caption of a photo, video, document or
// voice note Telegram accepts, in UTF-16 code units.
const MaxCaptionLength = 1024

// Footer is the opt-out line appended when Options.OptOutFooter is set.
const Footer = "Reply STOP to stop receiving messages"

// maxSourceBytes bounds what Parse reads: far more than any message that
// fits MaxLength needs, and small enough that a pasted file is refused
// before it is parsed.
const maxSourceBytes = 64 << 10

// Placeholder names.
const (
	FirstName = "first_name"
	LastName  = "last_name"
	FullName  = "full_name"
	Username  = "username"
)

var knownPlaceholders = []string{FirstName, LastName, FullName, Username}

// Entity types, as Rendered.Entities names them.
const (
	Bold      = "bold"
	Italic    = "italic"
	Underline = "underline"
	Strike    = "strike"
	Code      = "code"
	Pre       = "pre"
	Link      = "link"
)

// Template is a parsed campaign message, ready to render for any recipient.
// It is immutable and safe to share between goroutines.
type Template struct {
	nodes []node
	names []string
}

type nodeKind uint8

const (
	textNode nodeKind = iota
	placeholderNode
	spanNode
)

// node is a piece of the message: literal text, a placeholder, or a
// formatted span holding more nodes.
type node struct {
	kind        nodeKind
	text        string // text: the literal text; placeholder: its name
	fallback    string
	hasFallback bool

	typ, url, lang string // span
	children       []node
}

// Placeholders lists the placeholder names the message uses, each once, in
// the order they first appear.
func (t *Template) Placeholders() []string {
	return append([]string(nil), t.names...)
}

// frame is a formatting marker opened and not yet closed.
type frame struct {
	typ   string
	delim string // as written, restored when a tentative frame dissolves
	pos   int
	// tentative frames (a single _ and a link's [) were maybe not meant as
	// markup: unclosed, they are shown as written instead of refused.
	tentative bool
	nodes     []node
}

type parser struct {
	src   string
	i     int
	stack []*frame
	lit   strings.Builder
	names []string
}

// escapable are the characters a backslash shows as themselves.
const escapable = "\\*_+~`[](){}|"

// Parse checks a message and returns its template. Every refusal is an
// *apperr.Error on the "message" field saying what to change.
func Parse(text string) (*Template, error) {
	if len(text) > maxSourceBytes {
		return nil, invalid(fmt.Sprintf("The message is %d KB long", len(text)>>10),
			fmt.Sprintf("Telegram allows %d characters; shorten the message.", MaxLength))
	}
	if !utf8.ValidString(text) {
		return nil, invalid("The message is not valid UTF-8 text",
			"Paste the text again from its source, or type it in the editor.")
	}
	p := &parser{src: text, stack: []*frame{{}}}
	if err := p.run(); err != nil {
		return nil, err
	}
	t := &Template{nodes: p.stack[0].nodes, names: p.names}
	if !hasContent(t.nodes) {
		return nil, invalid("The message is empty", "Write the text to send; formatting marks alone are not a message.")
	}
	// Every placeholder empty and every collapsible space gone is the
	// shortest any recipient's message can be: if that is too long, all are.
	if n := t.render(Recipient{}, Options{}, true).Length(); n > MaxLength {
		return nil, invalid(fmt.Sprintf("The message is %d characters long; Telegram allows %d", n, MaxLength),
			fmt.Sprintf("Shorten it by at least %d characters (an emoji counts as 2, formatting marks do not count).", n-MaxLength))
	}
	return t, nil
}

func invalid(msg, hint string) *apperr.Error {
	e := apperr.Validation("message", msg)
	e.Hint = hint
	return e
}

// line is the 1-based line of byte offset pos, for error messages.
func (p *parser) line(pos int) int {
	return strings.Count(p.src[:pos], "\n") + 1
}

func (p *parser) top() *frame { return p.stack[len(p.stack)-1] }

// flush moves pending literal text into the innermost open frame.
func (p *parser) flush() {
	if p.lit.Len() > 0 {
		f := p.top()
		f.nodes = append(f.nodes, node{kind: textNode, text: p.lit.String()})
		p.lit.Reset()
	}
}

func (p *parser) hasPrefix(s string) bool { return strings.HasPrefix(p.src[p.i:], s) }

func (p *parser) run() error {
	for p.i < len(p.src) {
		c := p.src[p.i]
		var err error
		switch {
		case c == '\\':
			if p.i+1 < len(p.src) && strings.IndexByte(escapable, p.src[p.i+1]) >= 0 {
				p.lit.WriteByte(p.src[p.i+1])
				p.i += 2
			} else {
				p.lit.WriteByte('\\')
				p.i++
			}
		case c == '{':
			p.flush()
			var n node
			if n, err = p.placeholder(); err == nil {
				p.top().nodes = append(p.top().nodes, n)
			}
		case p.hasPrefix("```"):
			err = p.pre()
		case c == '`':
			err = p.code()
		case p.hasPrefix("**"):
			err = p.marker(Bold, "**")
		case p.hasPrefix("__"):
			err = p.marker(Italic, "__")
		case p.hasPrefix("++"):
			err = p.marker(Underline, "++")
		case p.hasPrefix("~~"):
			err = p.marker(Strike, "~~")
		case c == '_':
			err = p.underscore()
		case c == '[' && p.find("[") < 0:
			p.flush()
			p.stack = append(p.stack, &frame{typ: Link, delim: "[", pos: p.i, tentative: true})
			p.i++
		case c == ']' && p.hasPrefix("](") && p.find("[") >= 0:
			err = p.link()
		default:
			p.lit.WriteByte(c)
			p.i++
		}
		if err != nil {
			return err
		}
	}
	p.flush()
	for len(p.stack) > 1 {
		f := p.top()
		if !f.tentative {
			return invalid(fmt.Sprintf("%s on line %d is not closed", f.delim, p.line(f.pos)),
				fmt.Sprintf("Add the closing %s after the text to format, or put a backslash before each mark (%s) to show it as written.",
					f.delim, escapeMarks(f.delim)))
		}
		p.dissolve()
	}
	return nil
}

func escapeMarks(delim string) string {
	var b strings.Builder
	for _, c := range delim {
		b.WriteByte('\\')
		b.WriteRune(c)
	}
	return b.String()
}

// find is the index of the innermost open frame written with delim, or -1.
func (p *parser) find(delim string) int {
	for i := len(p.stack) - 1; i > 0; i-- {
		if p.stack[i].delim == delim {
			return i
		}
	}
	return -1
}

// dissolve turns the innermost (tentative) frame back into the text it was
// written as.
func (p *parser) dissolve() {
	f := p.top()
	p.stack = p.stack[:len(p.stack)-1]
	parent := p.top()
	parent.nodes = append(parent.nodes, node{kind: textNode, text: f.delim})
	parent.nodes = append(parent.nodes, f.nodes...)
}

// closeFrame ends the frame at stack index idx, after dissolving tentative
// frames opened inside it; a firm frame inside it means the two overlap.
func (p *parser) closeFrame(idx int, n node) error {
	p.flush()
	for len(p.stack)-1 > idx {
		inner := p.top()
		if !inner.tentative {
			outer := p.stack[idx]
			return invalid(fmt.Sprintf("%s on line %d and %s on line %d overlap", outer.delim, p.line(outer.pos), inner.delim, p.line(inner.pos)),
				fmt.Sprintf("Close the inner formatting before the outer one, e.g. %sa %sb%s c%s.", outer.delim, inner.delim, closing(inner.delim), closing(outer.delim)))
		}
		p.dissolve()
	}
	f := p.top()
	p.stack = p.stack[:len(p.stack)-1]
	n.children = f.nodes
	p.top().nodes = append(p.top().nodes, n)
	return nil
}

func closing(delim string) string {
	if delim == "[" {
		return "](https://…)"
	}
	return delim
}

// marker opens or closes a two-character formatting marker.
func (p *parser) marker(typ, delim string) error {
	if idx := p.find(delim); idx > 0 {
		p.i += len(delim)
		return p.closeFrame(idx, node{kind: spanNode, typ: typ})
	}
	p.flush()
	p.stack = append(p.stack, &frame{typ: typ, delim: delim, pos: p.i})
	p.i += len(delim)
	return nil
}

// underscore handles a single _, which is italic only at a word's edge:
// it opens after a non-word character and before a non-space one, and
// closes after a non-space character and before a non-word one.
func (p *parser) underscore() error {
	prev, _ := utf8.DecodeLastRuneInString(p.src[:p.i])
	next, _ := utf8.DecodeRuneInString(p.src[p.i+1:])
	atStart, atEnd := p.i == 0, p.i+1 >= len(p.src)
	if idx := p.find("_"); idx > 0 {
		if !atStart && !unicode.IsSpace(prev) && (atEnd || !isWord(next)) {
			p.i++
			return p.closeFrame(idx, node{kind: spanNode, typ: Italic})
		}
	} else if (atStart || !isWord(prev)) && !atEnd && !unicode.IsSpace(next) {
		p.flush()
		p.stack = append(p.stack, &frame{typ: Italic, delim: "_", pos: p.i, tentative: true})
		p.i++
		return nil
	}
	p.lit.WriteByte('_')
	p.i++
	return nil
}

func isWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }

// link closes the open [ at "](address)".
func (p *parser) link() error {
	start := p.i
	end := strings.IndexByte(p.src[start+2:], ')')
	if end < 0 {
		return invalid(fmt.Sprintf("The link address on line %d is not closed", p.line(start)),
			"Write links as [text](https://example.com), with the closing parenthesis.")
	}
	raw := p.src[start+2 : start+2+end]
	addr := strings.TrimSpace(raw)
	if err := checkURL(addr); err != nil {
		return invalid(fmt.Sprintf("The link address %q on line %d %s", short(addr), p.line(start), err.Error()),
			"Links take a full http, https or tg address, such as https://example.com/page; placeholders cannot be used in addresses.")
	}
	p.i = start + 2 + end + 1
	if err := p.closeFrame(p.find("["), node{kind: spanNode, typ: Link, url: addr}); err != nil {
		return err
	}
	if nodes := p.top().nodes; !hasContent(nodes[len(nodes)-1].children) {
		return invalid(fmt.Sprintf("The link to %s on line %d has no text", short(addr), p.line(start)),
			"Put the text to click between the brackets: [our site]("+short(addr)+").")
	}
	return nil
}

type urlError string

func (e urlError) Error() string { return string(e) }

func checkURL(addr string) error {
	switch {
	case addr == "":
		return urlError("is empty")
	case strings.ContainsAny(addr, "{}"):
		return urlError("contains a placeholder")
	case strings.IndexFunc(addr, unicode.IsSpace) >= 0:
		return urlError("contains a space")
	}
	u, err := url.Parse(addr)
	if err != nil {
		return urlError("is not a valid address")
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" {
			return urlError("has no host")
		}
	case "tg":
	case "":
		return urlError("does not start with https://")
	default:
		return urlError("is not an http, https or tg link")
	}
	return nil
}

// short cuts user input quoted in a message to a readable length.
func short(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max]) + "…"
}

// placeholder reads {name} or {name|fallback} at p.i.
func (p *parser) placeholder() (node, error) {
	start := p.i
	var name, fallback strings.Builder
	cur := &name
	hasFallback := false
	for i := start + 1; i < len(p.src); i++ {
		c := p.src[i]
		switch {
		case c == '\\' && i+1 < len(p.src) && strings.IndexByte(escapable, p.src[i+1]) >= 0:
			i++
			cur.WriteByte(p.src[i])
		case c == '|' && !hasFallback:
			hasFallback = true
			cur = &fallback
		case c == '}':
			written := p.src[start : i+1]
			n := node{kind: placeholderNode, text: strings.ToLower(strings.TrimSpace(name.String())),
				fallback: strings.TrimSpace(fallback.String()), hasFallback: hasFallback}
			known := false
			for _, k := range knownPlaceholders {
				known = known || k == n.text
			}
			if !known {
				return node{}, invalid(fmt.Sprintf("Unknown placeholder %s on line %d", short(written), p.line(start)),
					"Use {first_name}, {last_name}, {full_name} or {username}, each with an optional fallback such as {first_name|there}. To show a brace itself, write \\{.")
			}
			p.i = i + 1
			if !contains(p.names, n.text) {
				p.names = append(p.names, n.text)
			}
			return n, nil
		case c == '\n' || c == '{':
			i = len(p.src)
		default:
			cur.WriteByte(c)
		}
	}
	return node{}, invalid(fmt.Sprintf("The { on line %d is not closed", p.line(start)),
		"Close the placeholder on the same line, as in {first_name}, or write \\{ to show a brace itself.")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// verbatim reads the inside of a code span or pre block up to the closing
// delim: no formatting, but escapes and placeholders.
func (p *parser) verbatim(delim string, opened int, what string) ([]node, error) {
	var nodes []node
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			nodes = append(nodes, node{kind: textNode, text: lit.String()})
			lit.Reset()
		}
	}
	for p.i < len(p.src) {
		c := p.src[p.i]
		switch {
		case p.hasPrefix(delim):
			p.i += len(delim)
			flush()
			return nodes, nil
		case c == '\\' && p.i+1 < len(p.src) && strings.IndexByte(escapable, p.src[p.i+1]) >= 0:
			lit.WriteByte(p.src[p.i+1])
			p.i += 2
		case c == '{':
			flush()
			n, err := p.placeholder()
			if err != nil {
				return nil, err
			}
			nodes = append(nodes, n)
		default:
			lit.WriteByte(c)
			p.i++
		}
	}
	return nil, invalid(fmt.Sprintf("The %s opened with %s on line %d is not closed", what, delim, p.line(opened)),
		fmt.Sprintf("End it with %s, or write %s to show the mark itself.", delim, escapeMarks(delim)))
}

func (p *parser) code() error {
	p.flush()
	opened := p.i
	p.i++
	nodes, err := p.verbatim("`", opened, "code")
	if err != nil {
		return err
	}
	p.top().nodes = append(p.top().nodes, node{kind: spanNode, typ: Code, children: nodes})
	return nil
}

var langRe = regexp.MustCompile(`^[A-Za-z0-9_+#.-]{0,32}$`)

// pre reads a ``` block; a language name may follow the opening marks on
// their own line.
func (p *parser) pre() error {
	p.flush()
	opened := p.i
	p.i += 3
	rest := p.src[p.i:]
	lang := ""
	if nl := strings.IndexByte(rest, '\n'); nl >= 0 {
		first := strings.TrimSuffix(rest[:nl], "\r")
		if langRe.MatchString(strings.TrimSpace(first)) {
			lang = strings.TrimSpace(first)
			p.i += nl + 1
		}
	}
	nodes, err := p.verbatim("```", opened, "code block")
	if err != nil {
		return err
	}
	// The line break before the closing marks ends the block's last line;
	// it is not part of the code.
	if k := len(nodes) - 1; k >= 0 && nodes[k].kind == textNode {
		nodes[k].text = strings.TrimSuffix(strings.TrimSuffix(nodes[k].text, "\n"), "\r")
	}
	p.top().nodes = append(p.top().nodes, node{kind: spanNode, typ: Pre, lang: lang, children: nodes})
	return nil
}

// hasContent reports whether nodes hold visible text or a placeholder.
func hasContent(nodes []node) bool {
	for _, n := range nodes {
		switch n.kind {
		case textNode:
			if strings.TrimSpace(n.text) != "" {
				return true
			}
		case placeholderNode:
			return true
		case spanNode:
			if hasContent(n.children) {
				return true
			}
		}
	}
	return false
}
