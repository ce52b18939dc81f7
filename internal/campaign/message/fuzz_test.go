package message

import (
	"reflect"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/telegramate/telegramate/internal/apperr"
)

// FuzzParseRender checks what the engine relies on for any message and any
// names: Parse refuses only with a validation error, and Render gives valid
// text whose entities Telegram accepts (in bounds, non-empty, sorted, not
// splitting a surrogate pair), the same every time.
func FuzzParseRender(f *testing.F) {
	for _, s := range []string{
		"Hello **{first_name}**!", "Hi {first_name|there}, {username}", "[{full_name}](https://e.com) `{username}`",
		"```go\nfmt.Println(\"{first_name}\")\n```", "**a __b** c__", "my_file _it_", `\*\{x\} C:\path`, "{", "**",
		"😀 ++{last_name}++ ~~x~~", "[draft] [a **b**", "** {first_name} **",
	} {
		f.Add(s, "Ann", "Lee", "ann")
		f.Add(s, "", " ", "@")
		f.Add(s, "😀*Ann*", "محمد\u0301", "__x__")
	}
	f.Fuzz(func(t *testing.T, text, first, last, username string) {
		tpl, err := Parse(text)
		if err != nil {
			e, ok := apperr.As(err)
			if !ok || e.Code != "validation_failed" || e.Field != "message" || e.Message == "" || e.Hint == "" {
				t.Fatalf("Parse(%q) error %#v", text, err)
			}
			return
		}
		r := Recipient{FirstName: first, LastName: last, Username: username}
		for _, o := range []Options{{}, {OptOutFooter: true}} {
			got := tpl.Render(r, o)
			if again := tpl.Render(r, o); !reflect.DeepEqual(got, again) {
				t.Fatalf("Render not deterministic: %+v then %+v", got, again)
			}
			if !utf8.ValidString(got.Text) {
				t.Fatalf("text %q is not valid UTF-8", got.Text)
			}
			u := utf16.Encode([]rune(got.Text))
			if got.Length() != len(u) {
				t.Fatalf("Length() = %d, want %d", got.Length(), len(u))
			}
			for i, e := range got.Entities {
				if e.Length <= 0 || e.Offset < 0 || e.Offset+e.Length > len(u) {
					t.Fatalf("entity %+v out of bounds (%d units) in %q", e, len(u), got.Text)
				}
				if i > 0 && got.Entities[i-1].Offset > e.Offset {
					t.Fatalf("entities not sorted: %+v", got.Entities)
				}
				if utf16.IsSurrogate(rune(u[e.Offset])) && u[e.Offset] >= 0xDC00 {
					t.Fatalf("entity %+v starts inside a surrogate pair", e)
				}
				if end := e.Offset + e.Length; end < len(u) && u[end] >= 0xDC00 && u[end] <= 0xDFFF {
					t.Fatalf("entity %+v ends inside a surrogate pair", e)
				}
			}
			if len(got.TG()) != len(got.Entities) {
				t.Fatalf("TG() dropped entities: %+v", got.Entities)
			}
			_ = got.HTML()
		}
	})
}
