package recipients

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/telegramate/telegramate/internal/apperr"
)

func TestParseRef(t *testing.T) {
	for _, c := range []struct {
		in     string
		want   Ref
		reason string
	}{
		{"@Ann_Lee", Ref{Username: "ann_lee"}, ""},
		{"ann", Ref{Username: "ann"}, ""},
		{"  bob_99  ", Ref{Username: "bob_99"}, ""},
		{"https://t.me/Durov", Ref{Username: "durov"}, ""},
		{"http://t.me/durov/", Ref{Username: "durov"}, ""},
		{"t.me/durov", Ref{Username: "durov"}, ""},
		{"T.ME/@durov", Ref{Username: "durov"}, ""},
		{"https://www.telegram.me/durov?start=x", Ref{Username: "durov"}, ""},
		{"telegram.dog/durov", Ref{Username: "durov"}, ""},
		{"tg://resolve?domain=durov", Ref{Username: "durov"}, ""},
		{"tg://user?id=42", Ref{UserID: 42}, ""},
		{"123456789", Ref{UserID: 123456789}, ""},
		{"9223372036854775807", Ref{UserID: 9223372036854775807}, ""},
		{strings.Repeat("a", 32), Ref{Username: strings.Repeat("a", 32)}, ""},
		{"a_", Ref{}, ReasonTooShort},
		{"ab", Ref{}, ReasonTooShort},
		{strings.Repeat("a", 33), Ref{}, ReasonTooLong},
		{"_ann", Ref{}, ReasonLeadingChar},
		{"1ann", Ref{}, ReasonBadID},
		{"ann-lee", Ref{}, ReasonBadChars},
		{"ann.lee", Ref{}, ReasonBadChars},
		{"анна", Ref{}, ReasonNotUser},
		{"@", Ref{}, ReasonNotUser},
		{"", Ref{}, ReasonNotUser},
		{"0", Ref{}, ReasonBadID},
		{"+4915112345678", Ref{}, ReasonBadID},
		{"-1001234567890", Ref{}, ReasonChatID},
		{"-x", Ref{}, ReasonBadID},
		{"99999999999999999999", Ref{}, ReasonBadID},
		{"https://t.me/+AbCdEf", Ref{}, ReasonInviteLink},
		{"t.me/joinchat/AbCdEf", Ref{}, ReasonInviteLink},
		{"https://t.me/durov/123", Ref{}, ReasonChatLink},
		{"https://t.me/c/123/4", Ref{}, ReasonChatLink},
		{"https://example.com/durov", Ref{}, ReasonNotUser},
		{"tg://resolve?phone=123", Ref{}, ReasonUnsupportedTG},
		{"tg://join?invite=x", Ref{}, ReasonUnsupportedTG},
		{"tg://user?id=-5", Ref{}, ReasonChatID},
	} {
		got, reason := ParseRef(c.in)
		if got != c.want || reason != c.reason {
			t.Errorf("ParseRef(%q) = %+v, %q; want %+v, %q", c.in, got, reason, c.want, c.reason)
		}
	}
}

func TestParseText(t *testing.T) {
	for _, c := range []struct {
		name    string
		in      string
		refs    []Ref
		dups    int
		invalid []Invalid
	}{
		{"empty", "", []Ref{}, 0, []Invalid{}},
		{"separators", "@ann, bob;carl\tdave\n\n  eve  \r\n42", []Ref{{Username: "ann"}, {Username: "bob"}, {Username: "carl"}, {Username: "dave"}, {Username: "eve"}, {UserID: 42}}, 0, []Invalid{}},
		{"duplicates across forms", "@Ann\nann\nhttps://t.me/ANN\n42 42\ntg://user?id=42", []Ref{{Username: "ann"}, {UserID: 42}}, 4, []Invalid{}},
		{"invalid with lines", "ann\n\nx!\n-100123 bob", []Ref{{Username: "ann"}, {Username: "bob"}}, 0,
			[]Invalid{{Line: 3, Value: "x!", Reason: ReasonBadChars}, {Line: 4, Value: "-100123", Reason: ReasonChatID}}},
		{"bom", "\uFEFF@ann", []Ref{{Username: "ann"}}, 0, []Invalid{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseText(c.in, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			want := Result{Refs: c.refs, Duplicates: c.dups, Invalid: c.invalid, InvalidCount: len(c.invalid)}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("ParseText(%q) =\n%+v\nwant\n%+v", c.in, got, want)
			}
		})
	}
}

func TestInvalidListIsCapped(t *testing.T) {
	var b strings.Builder
	for i := range 50 {
		fmt.Fprintf(&b, "bad-%d\n", i)
	}
	b.WriteString("@ann " + strings.Repeat("x", 100))
	got, err := ParseText(b.String(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Invalid) != MaxReported || got.InvalidCount != 51 || len(got.Refs) != 1 {
		t.Fatalf("got %d listed, %d counted, %d refs; want %d, 51, 1", len(got.Invalid), got.InvalidCount, len(got.Refs), MaxReported)
	}
	if got.Invalid[19].Line != 20 || got.Invalid[19].Value != "bad-19" {
		t.Errorf("20th invalid = %+v", got.Invalid[19])
	}
	long, err := ParseText(strings.Repeat("y", 100), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if v := long.Invalid[0].Value; v != strings.Repeat("y", 64)+"…" {
		t.Errorf("long value reported as %q", v)
	}
}

func TestLimits(t *testing.T) {
	for _, c := range []struct {
		name   string
		parse  func(string, Limits) (Result, error)
		in     string
		lim    Limits
		msg    string
		status int
	}{
		{"text bytes", ParseText, "ann bob carl", Limits{MaxBytes: 10}, "The list is larger than 10 bytes", http.StatusRequestEntityTooLarge},
		{"text rows", ParseText, "ann bob carl", Limits{MaxRows: 2}, "The list has more than 2 recipients", http.StatusUnprocessableEntity},
		{"text rows count invalid items", ParseText, "ann ! ?", Limits{MaxRows: 2}, "more than 2 recipients", http.StatusUnprocessableEntity},
		{"csv bytes", parseCSVString, "username\nann\nbob", Limits{MaxBytes: 8}, "The file is larger than 8 bytes", http.StatusRequestEntityTooLarge},
		{"csv rows", parseCSVString, "username\nann\nbob\ncarl", Limits{MaxRows: 2}, "The file has more than 2 recipients", http.StatusUnprocessableEntity},
		{"csv rows without header", parseCSVString, "ann\nbob\ncarl", Limits{MaxRows: 2}, "more than 2", http.StatusUnprocessableEntity},
		{"default rows", ParseText, strings.Repeat("ann\n", DefaultMaxRows+1), Limits{}, "more than 100,000 recipients", http.StatusUnprocessableEntity},
		{"default bytes", ParseText, strings.Repeat("a", DefaultMaxBytes+1), Limits{}, "larger than 8 MB", http.StatusRequestEntityTooLarge},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.parse(c.in, c.lim)
			e, ok := apperr.As(err)
			if !ok {
				t.Fatalf("error %v is not an *apperr.Error", err)
			}
			if e.Code != "validation_failed" || e.Field != "recipients" || e.HTTPStatus() != c.status || e.Hint == "" || !strings.Contains(e.Message, c.msg) {
				t.Errorf("error = %+v, want validation_failed on recipients, %d, containing %q", e, c.status, c.msg)
			}
		})
	}
	// exactly at the limits is fine
	if _, err := ParseText("ann bob", Limits{MaxBytes: 7, MaxRows: 2}); err != nil {
		t.Errorf("at the limits: %v", err)
	}
}

func parseCSVString(s string, lim Limits) (Result, error) { return ParseCSV(strings.NewReader(s), lim) }

func TestParseCSV(t *testing.T) {
	for _, c := range []struct {
		name    string
		in      string
		refs    []Ref
		dups    int
		invalid []Invalid
	}{
		{"one column, no header", "ann\n@bob\n\n42\n", []Ref{{Username: "ann"}, {Username: "bob"}, {UserID: 42}}, 0, []Invalid{}},
		{"username header", "Username\nann\nbob\nann", []Ref{{Username: "ann"}, {Username: "bob"}}, 1, []Invalid{}},
		{"user id header with spaces", "User ID\n1\n2\nx", []Ref{{UserID: 1}, {UserID: 2}}, 0, []Invalid{{Line: 4, Value: "x", Reason: ReasonBadID}}},
		{"bom, semicolons, CRLF", "\uFEFFuser_id;username\r\n1;ann\r\n;bob\r\n;\r\n", []Ref{{UserID: 1}, {Username: "bob"}}, 0, []Invalid{}},
		{"tabs", "handle\tnote\n@ann\thello, world\n", []Ref{{Username: "ann"}}, 0, []Invalid{}},
		{"id preferred, username when the id is bad", "tg_id,user\n5,ann\nnope,bob\n,carl\nnope,", []Ref{{UserID: 5}, {Username: "bob"}, {Username: "carl"}}, 0,
			[]Invalid{{Line: 5, Value: "nope", Reason: ReasonBadID}}},
		{"quoted fields and newlines", "username,bio\n\"ann\",\"line one\nline two\"\nbob,x\n", []Ref{{Username: "ann"}, {Username: "bob"}}, 0, []Invalid{}},
		{"header only", "username\n", []Ref{}, 0, []Invalid{}},
		{"chat id in the id column", "id\n-100123\n", []Ref{}, 0, []Invalid{{Line: 2, Value: "-100123", Reason: ReasonChatID}}},
		{"empty file", "", []Ref{}, 0, []Invalid{}},
		{"one column with trailing delimiters", "ann,\nbob,,\n", []Ref{{Username: "ann"}, {Username: "bob"}}, 0, []Invalid{}},
		{"several values later without header", "ann\nbob,carl\n", []Ref{{Username: "ann"}}, 0, []Invalid{{Line: 2, Value: "bob,carl", Reason: "several values in one row of a file without a header"}}},
		{"our own member export", "\uFEFFid,access_hash,account_id,username,other_usernames,first_name\r\n101,-5,1,ann,,Ann\r\n102,7,1,,,Bob\r\n",
			[]Ref{{UserID: 101}, {UserID: 102}}, 0, []Invalid{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseCSV(strings.NewReader(c.in), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			want := Result{Refs: c.refs, Duplicates: c.dups, Invalid: c.invalid, InvalidCount: len(c.invalid)}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("ParseCSV(%q) =\n%+v\nwant\n%+v", c.in, got, want)
			}
		})
	}
}

func TestParseCSVRefuses(t *testing.T) {
	for _, c := range []struct {
		name, in, msg string
	}{
		{"several columns, no header", "ann,bob\ncarl,dave", "The file has 2 columns but no header naming them"},
		{"utf-16", "\xff\xfeu\x00s\x00", "UTF-16"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseCSV(strings.NewReader(c.in), Limits{})
			e, ok := apperr.As(err)
			if !ok || e.Code != "validation_failed" || e.Field != "recipients" || e.Hint == "" || !strings.Contains(e.Message, c.msg) {
				t.Errorf("error = %v, want validation_failed containing %q", err, c.msg)
			}
		})
	}
}
