package message

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/gotd/td/tg"

	"github.com/telegramate/telegramate/internal/apperr"
)

// units is s in UTF-16, counted independently of the package's own code.
func units(s string) []uint16 { return utf16.Encode([]rune(s)) }

// covered is the text an entity covers, decoded from UTF-16.
func covered(t *testing.T, r Rendered, e Entity) string {
	t.Helper()
	u := units(r.Text)
	if e.Offset < 0 || e.Length <= 0 || e.Offset+e.Length > len(u) {
		t.Fatalf("entity %+v out of bounds of %q (%d units)", e, r.Text, len(u))
	}
	return string(utf16.Decode(u[e.Offset : e.Offset+e.Length]))
}

// span is an expected entity, named by the text it covers.
type span struct{ typ, text string }

func TestRender(t *testing.T) {
	ann := Recipient{FirstName: "Ann", LastName: "Lee", Username: "ann_lee"}
	none := Recipient{}
	for _, c := range []struct {
		name string
		tpl  string
		r    Recipient
		text string
		ents []span
	}{
		{"plain", "Hello", ann, "Hello", nil},
		{"bold placeholder", "Hello **{first_name}**!", ann, "Hello Ann!", []span{{Bold, "Ann"}}},
		{"fallback", "Hi {first_name|there},", none, "Hi there,", nil},
		{"fallback for spaces", "Hi {first_name|there}", Recipient{FirstName: "  \t"}, "Hi there", nil},
		{"fallback unused", "Hi {first_name|there}", ann, "Hi Ann", nil},
		{"empty before comma", "Hi {first_name}, welcome", none, "Hi, welcome", nil},
		{"empty before space", "Hi {first_name} and welcome", none, "Hi and welcome", nil},
		{"two empties", "Dear {first_name} {last_name}!", none, "Dear!", nil},
		{"empty at start", "{first_name} hello", none, "hello", nil},
		{"empty at end", "Bye {first_name}", none, "Bye", nil},
		{"empty before a word keeps spaces", "a {first_name}b", none, "a b", nil},
		{"empty before line end", "Hi {first_name}\nNext", none, "Hi\nNext", nil},
		{"empty in bold is dropped", "Hi **{first_name}**", none, "Hi", nil},
		{"empty in bold, text after", "Hi **{first_name}** there", none, "Hi there", nil},
		{"markup in a name stays literal", "**{first_name}** {last_name}", Recipient{FirstName: "*Ann*", LastName: "__x__ [a](https://e.com) {last_name}"},
			"*Ann* __x__ [a](https://e.com) {last_name}", []span{{Bold, "*Ann*"}}},
		{"names are trimmed", "[{full_name}]", Recipient{FirstName: " Ann ", LastName: ""}, "[Ann]", nil},
		{"full name", "{full_name}", Recipient{FirstName: "Ann", LastName: "Lee"}, "Ann Lee", nil},
		{"full name of last only", "Hi {full_name}!", Recipient{LastName: "Lee"}, "Hi Lee!", nil},
		{"username", "{username}", ann, "@ann_lee", nil},
		{"username with @", "{username}", Recipient{Username: "@ann"}, "@ann", nil},
		{"username fallback", "{username|friend}", none, "friend", nil},
		{"emoji before entity", "😀 **{first_name}**", ann, "😀 Ann", []span{{Bold, "Ann"}}},
		{"emoji name", "Hi **{first_name}** __you__", Recipient{FirstName: "😀Ann👍🏽"}, "Hi 😀Ann👍🏽 you", []span{{Bold, "😀Ann👍🏽"}, {Italic, "you"}}},
		{"arabic", "مرحبا **{first_name}**، ~~x~~", Recipient{FirstName: "محمد"}, "مرحبا محمد، x", []span{{Bold, "محمد"}, {Strike, "x"}}},
		{"hebrew with rtl mark", "++{full_name}++ ok", Recipient{FirstName: "\u200fשרה", LastName: "כהן"}, "\u200fשרה כהן ok", []span{{Underline, "\u200fשרה כהן"}}},
		{"cjk", "**{first_name}**さん `{username}`", Recipient{FirstName: "山田", Username: "yamada"}, "山田さん @yamada", []span{{Bold, "山田"}, {Code, "@yamada"}}},
		{"combining marks", "__{first_name}__ **b**", Recipient{FirstName: "Zoe\u0308 e\u0301"}, "Zoe\u0308 e\u0301 b", []span{{Italic, "Zoe\u0308 e\u0301"}, {Bold, "b"}}},
		{"nested", "**bold __both__**", ann, "bold both", []span{{Bold, "bold both"}, {Italic, "both"}}},
		{"same range nested", "**__{first_name}__**", ann, "Ann", []span{{Bold, "Ann"}, {Italic, "Ann"}}},
		{"single underscore", "my_file_name and _it_ and @user_name_", ann, "my_file_name and it and @user_name_", []span{{Italic, "it"}}},
		{"italic in bold", "**a _b_ c**", ann, "a b c", []span{{Bold, "a b c"}, {Italic, "b"}}},
		{"link", "[site](https://e.com) x", ann, "site x", []span{{Link, "site"}}},
		{"link with placeholder text", "[**{first_name}**, click](https://e.com/?a=b)", ann, "Ann, click", []span{{Link, "Ann, click"}, {Bold, "Ann"}}},
		{"not a link", "[draft] ok [x] (y)", ann, "[draft] ok [x] (y)", nil},
		{"unclosed bracket keeps formatting", "[a **b**", ann, "[a b", []span{{Bold, "b"}}},
		{"code", "use `{username}` or `a*b*`", ann, "use @ann_lee or a*b*", []span{{Code, "@ann_lee"}, {Code, "a*b*"}}},
		{"pre with language", "Run:\n```go\nfmt.Println(\"{first_name}\")\n```\nok", ann, "Run:\nfmt.Println(\"Ann\")\nok", []span{{Pre, "fmt.Println(\"Ann\")"}}},
		{"pre inline", "```x = 1```", ann, "x = 1", []span{{Pre, "x = 1"}}},
		{"escapes", `\*\*not bold\*\* \_x\_ \{first_name\} \[a\](b) \` + "`", ann, "**not bold** _x_ {first_name} [a](b) `", nil},
		{"lone backslash", `C:\path\to`, ann, `C:\path\to`, nil},
		{"escaped backslash before marks", `\\**b**`, ann, `\b`, []span{{Bold, "b"}}},
		{"surrounding space trimmed", "  \n **{first_name}** \n ", ann, "Ann", []span{{Bold, "Ann"}}},
		{"entity clipped by trim", "** {first_name} **x", ann, "Ann x", []span{{Bold, "Ann "}}},
		{"fallback with markup stays literal", "{first_name|**you**}", none, "**you**", nil},
		{"escaped brace in fallback", `{first_name|a\}b}`, none, "a}b", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			tpl, err := Parse(c.tpl)
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.tpl, err)
			}
			got := tpl.Render(c.r, Options{})
			if got.Text != c.text {
				t.Errorf("text = %q, want %q", got.Text, c.text)
			}
			var spans []span
			for _, e := range got.Entities {
				spans = append(spans, span{e.Type, covered(t, got, e)})
			}
			if !reflect.DeepEqual(spans, c.ents) {
				t.Errorf("entities = %+v (%+v), want %+v", spans, got.Entities, c.ents)
			}
			if got.Length() != len(units(got.Text)) {
				t.Errorf("Length() = %d, UTF-16 count %d", got.Length(), len(units(got.Text)))
			}
		})
	}
}

// TestRenderOffsets pins exact numbers for the cases Telegram is strict
// about: emoji (surrogate pairs) before and inside entities.
func TestRenderOffsets(t *testing.T) {
	tpl, err := Parse("👋 Hi **{first_name}** [go](https://go.dev) ```py\nx\n```")
	if err != nil {
		t.Fatal(err)
	}
	got := tpl.Render(Recipient{FirstName: "🇩🇪Jürgen"}, Options{})
	want := []Entity{
		{Type: Bold, Offset: 6, Length: 10}, // 👋=2, " Hi "=4; 🇩🇪 is two regional indicators, 2 units each
		{Type: Link, Offset: 17, Length: 2, URL: "https://go.dev"},
		{Type: Pre, Offset: 20, Length: 1, Language: "py"},
	}
	if !reflect.DeepEqual(got.Entities, want) {
		t.Errorf("entities = %+v, want %+v", got.Entities, want)
	}
	if got.Text != "👋 Hi 🇩🇪Jürgen go x" || got.Length() != 21 {
		t.Errorf("text %q length %d", got.Text, got.Length())
	}
}

func TestRenderFooter(t *testing.T) {
	tpl, err := Parse("**Hi** {first_name}")
	if err != nil {
		t.Fatal(err)
	}
	got := tpl.Render(Recipient{}, Options{OptOutFooter: true})
	if want := "Hi\n\n" + Footer; got.Text != want {
		t.Errorf("text = %q, want %q", got.Text, want)
	}
	if len(got.Entities) != 1 || covered(t, got, got.Entities[0]) != "Hi" {
		t.Errorf("entities = %+v", got.Entities)
	}
	if off := tpl.Render(Recipient{}, Options{}); strings.Contains(off.Text, Footer) {
		t.Errorf("footer without the option: %q", off.Text)
	}
}

func TestRenderedTG(t *testing.T) {
	tpl, err := Parse("**a** __b__ ++c++ ~~d~~ `e` [f](https://f.example) ```sh\ng\n```")
	if err != nil {
		t.Fatal(err)
	}
	got := tpl.Render(Recipient{}, Options{}).TG()
	want := []tg.MessageEntityClass{
		&tg.MessageEntityBold{Offset: 0, Length: 1},
		&tg.MessageEntityItalic{Offset: 2, Length: 1},
		&tg.MessageEntityUnderline{Offset: 4, Length: 1},
		&tg.MessageEntityStrike{Offset: 6, Length: 1},
		&tg.MessageEntityCode{Offset: 8, Length: 1},
		&tg.MessageEntityTextURL{Offset: 10, Length: 1, URL: "https://f.example"},
		&tg.MessageEntityPre{Offset: 12, Length: 1, Language: "sh"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("TG() = %#v, want %#v", got, want)
	}
}

func TestRenderedHTML(t *testing.T) {
	tpl, err := Parse("<b>{first_name}</b> **bold __it__** [a&b](https://e.com/?a=1&b=\"2\")\n`x`")
	if err != nil {
		t.Fatal(err)
	}
	got := tpl.Render(Recipient{FirstName: "<script>😀"}, Options{}).HTML()
	want := `&lt;b&gt;&lt;script&gt;😀&lt;/b&gt; <b>bold <i>it</i></b> <a href="https://e.com/?a=1&amp;b=&#34;2&#34;" rel="noopener noreferrer nofollow" target="_blank">a&amp;b</a>` + "\n<code>x</code>"
	if got != want {
		t.Errorf("HTML() =\n%s\nwant\n%s", got, want)
	}
}

// TestRenderRandomNames renders names made of the characters that break
// offset arithmetic (surrogate pairs, right-to-left text, combining marks,
// markup characters, spaces) and checks every entity covers exactly the
// value it formats.
func TestRenderRandomNames(t *testing.T) {
	tpl, err := Parse("A **{first_name}** B __{last_name|x}__ C [{full_name}](https://e.com) D `{username}` ~~E~~")
	if err != nil {
		t.Fatal(err)
	}
	alphabet := []string{"a", "Z", " ", "😀", "👍🏽", "🇩🇪", "ש", "م", "\u200f", "\u0301", "山", "*", "_", "[", "]", "(", ")", "`", "{", "}", "\\", "~", "+", "|", "é", "\u200d", "\t"}
	name := func(rng *rand.Rand) string {
		var b strings.Builder
		for range rng.IntN(8) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		r := Recipient{FirstName: name(rng), LastName: name(rng), Username: name(rng)}
		got := tpl.Render(r, Options{OptOutFooter: rng.IntN(2) == 0})
		first := strings.TrimSpace(r.FirstName)
		last := strings.TrimSpace(r.LastName)
		want := map[string]string{
			Bold:   first,
			Italic: last,
			Link:   strings.TrimSpace(first + " " + last),
			Strike: "E",
		}
		if last == "" {
			want[Italic] = "x"
		}
		if u := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(r.Username), "@")); u != "" {
			want[Code] = "@" + u
		}
		seen := map[string]bool{}
		for _, e := range got.Entities {
			if s := covered(t, got, e); s != want[e.Type] {
				t.Fatalf("%+v: %s entity covers %q, want %q (text %q)", r, e.Type, s, want[e.Type], got.Text)
			}
			seen[e.Type] = true
		}
		for typ, w := range want {
			if w != "" && !seen[typ] {
				t.Fatalf("%+v: no %s entity for %q in %+v", r, typ, w, got.Entities)
			}
		}
		if !strings.Contains(got.Text, first) || !strings.Contains(got.Text, last) {
			t.Fatalf("%+v: text %q lost a name", r, got.Text)
		}
	}
}

func TestRenderedCheck(t *testing.T) {
	tpl, err := Parse("{first_name} " + strings.Repeat("a", MaxLength-4))
	if err != nil {
		t.Fatal(err)
	}
	if err := tpl.Render(Recipient{FirstName: "Ann"}, Options{}).Check("@ann"); err != nil {
		t.Errorf("4,096 characters refused: %v", err)
	}
	err = tpl.Render(Recipient{FirstName: "Anna😀"}, Options{}).Check("@anna")
	if e, ok := apperr.As(err); !ok || e.Field != "message" || e.Message != "The message is 4099 characters long for @anna; Telegram allows 4096" {
		t.Errorf("too long: %v", err)
	}
	only, err := Parse("{first_name}")
	if err != nil {
		t.Fatal(err)
	}
	err = only.Render(Recipient{}, Options{OptOutFooter: false}).Check("user 42")
	if e, ok := apperr.As(err); !ok || e.Message != "The message is empty for user 42" || e.Hint == "" {
		t.Errorf("empty: %v", err)
	}
}

// TestRenderedCheckCaption: a caption is counted as Telegram counts, in
// UTF-16 units (an emoji outside the BMP is 2), after the name is filled.
func TestRenderedCheckCaption(t *testing.T) {
	tpl, err := Parse(strings.Repeat("😀", 500) + " {first_name}")
	if err != nil {
		t.Fatal(err)
	}
	fits := tpl.Render(Recipient{FirstName: strings.Repeat("a", 23)}, Options{}) // 1000 + 1 + 23 = 1024 units
	if len(units(fits.Text)) != MaxCaptionLength {
		t.Fatalf("%d units", len(units(fits.Text)))
	}
	if err := fits.CheckCaption("@ann"); err != nil {
		t.Errorf("1,024 units refused: %v", err)
	}
	over := tpl.Render(Recipient{FirstName: strings.Repeat("a", 24)}, Options{})
	err = over.CheckCaption("@bob")
	e, ok := apperr.As(err)
	if !ok || e.Field != "message" || !strings.Contains(e.Message, "1025 characters long for @bob") {
		t.Errorf("1,025 units: %v", err)
	}
	if err := over.Check("@bob"); err != nil {
		t.Errorf("as a text message it fits: %v", err)
	}
}
