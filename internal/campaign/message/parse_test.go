package message

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/telegramate/telegramate/internal/apperr"
)

func TestParseRefuses(t *testing.T) {
	for _, c := range []struct {
		name, in, want string
	}{
		{"empty", "", "The message is empty"},
		{"blank", " \n\t ", "The message is empty"},
		{"only marks", "**** ~~~~", "The message is empty"},
		{"unknown placeholder", "Hi {fist_name}!", "Unknown placeholder {fist_name} on line 1"},
		{"unknown on line 2", "Hi\n{name|x}", "Unknown placeholder {name|x} on line 2"},
		{"empty braces", "Hi {}", "Unknown placeholder {}"},
		{"json-like braces", `{"a": 1}`, `Unknown placeholder {"a": 1}`},
		{"unclosed placeholder", "Hi {first_name", "The { on line 1 is not closed"},
		{"placeholder across lines", "Hi {first_name\n}", "The { on line 1 is not closed"},
		{"unclosed bold", "Hi **there", "** on line 1 is not closed"},
		{"unclosed italic", "a __b", "__ on line 1 is not closed"},
		{"unclosed underline", "a ++b", "++ on line 1 is not closed"},
		{"unclosed strike", "a\n~~b", "~~ on line 2 is not closed"},
		{"overlap", "**a __b** c__", "** on line 1 and __ on line 1 overlap"},
		{"unclosed code", "run `make", "The code opened with ` on line 1 is not closed"},
		{"unclosed pre", "```go\nfmt.Println()", "The code block opened with ``` on line 1 is not closed"},
		{"placeholder in code unknown", "`{x}`", "Unknown placeholder {x}"},
		{"ftp link", "[file](ftp://example.com/a)", `The link address "ftp://example.com/a" on line 1 is not an http, https or tg link`},
		{"javascript link", "[x](javascript:alert(1))", "is not an http, https or tg link"},
		{"relative link", "[x](/path)", "does not start with https://"},
		{"no host", "[x](https://)", "has no host"},
		{"placeholder in link", "[x](https://e.com/{username})", "contains a placeholder"},
		{"space in link", "[x](https://e.com/a b)", "contains a space"},
		{"empty link address", "[x]()", "is empty"},
		{"unclosed link address", "[x](https://e.com", "The link address on line 1 is not closed"},
		{"link without text", "see [](https://e.com)", "The link to https://e.com on line 1 has no text"},
		{"invalid utf-8", "Hi \xff", "not valid UTF-8"},
		{"too long", strings.Repeat("a", MaxLength+1), "4097 characters long; Telegram allows 4096"},
		{"too long in emoji", strings.Repeat("😀", MaxLength/2+1), "4098 characters long"},
		{"too long even without names", "{first_name|x} " + strings.Repeat("b", MaxLength+1), "characters long"},
		{"huge", strings.Repeat("a", 70<<10), "The message is 70 KB long"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tpl, err := Parse(c.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want an error containing %q", c.in, tpl, c.want)
			}
			e, ok := apperr.As(err)
			if !ok {
				t.Fatalf("Parse(%q) error %T %v is not an *apperr.Error", c.in, err, err)
			}
			if e.Code != "validation_failed" || e.Field != "message" || e.HTTPStatus() != http.StatusUnprocessableEntity {
				t.Errorf("error = code %q field %q status %d, want validation_failed on message, 422", e.Code, e.Field, e.HTTPStatus())
			}
			if !strings.Contains(e.Message, c.want) {
				t.Errorf("message %q does not contain %q", e.Message, c.want)
			}
			if e.Hint == "" {
				t.Errorf("error %q has no hint", e.Message)
			}
		})
	}
}

func TestParseUnknownPlaceholderListsKnownOnes(t *testing.T) {
	_, err := Parse("Hi {nickname}")
	e, _ := apperr.As(err)
	if e == nil {
		t.Fatal("no error")
	}
	for _, k := range []string{"{first_name}", "{last_name}", "{full_name}", "{username}", "{first_name|there}", `\{`} {
		if !strings.Contains(e.Hint, k) {
			t.Errorf("hint %q does not mention %s", e.Hint, k)
		}
	}
}

func TestParseAccepts(t *testing.T) {
	for _, c := range []struct {
		in    string
		names []string
	}{
		{"Hello", nil},
		{"Hi {first_name}, {FIRST_NAME|there} { last_name }", []string{"first_name", "last_name"}},
		{"{username|friend} {full_name}", []string{"username", "full_name"}},
		{"`{username}` and ```\n{first_name}\n```", []string{"username", "first_name"}},
		{"price: 5 * 3 } ) ( ] + ~ \\n", nil},
		{"a }", nil},
		{`\{first_name\}`, nil},
		{strings.Repeat("a", MaxLength), nil},
		{"**" + strings.Repeat("a", MaxLength) + "**", nil},
		{"[draft] _lonely [note", nil},
		{"[Telegram](tg://resolve?domain=telegram) [site](HTTPS://Example.com/a?b=c)", nil},
	} {
		tpl, err := Parse(c.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if got := tpl.Placeholders(); !reflect.DeepEqual(got, c.names) && (len(got) != 0 || len(c.names) != 0) {
			t.Errorf("Parse(%q).Placeholders() = %q, want %q", c.in, got, c.names)
		}
	}
}

func TestSyntaxHelpNamesEveryPlaceholder(t *testing.T) {
	help := SyntaxHelp()
	for _, k := range append(knownPlaceholders, "**bold**", "__italic__", "++underline++", "~~strikethrough~~", "`code`", "[link text](https://example.com)") {
		if !strings.Contains(help, k) {
			t.Errorf("SyntaxHelp does not mention %s", k)
		}
	}
}
