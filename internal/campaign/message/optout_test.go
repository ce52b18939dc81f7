package message

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/telegramate/telegramate/internal/apperr"
)

func TestIsOptOut(t *testing.T) {
	custom := OptOutKeywords([]string{"stopp", "bitte abmelden", "ОТПИСАТЬСЯ"})
	for _, c := range []struct {
		reply    string
		keywords []string
		want     bool
	}{
		{"STOP", nil, true},
		{"stop", nil, true},
		{"Stop.", nil, true},
		{" Stop! ", nil, true},
		{"\n\tstop!!!\n", nil, true},
		{"🛑 STOP 🛑", nil, true},
		{"stop ❤️", nil, true}, // the heart carries a variation selector, a mark
		{"«Stop»", nil, true},
		{"UNSUBSCRIBE", nil, true},
		{"Unsubscribe.", nil, true},
		{"opt out", nil, true},
		{"Opt-Out!", nil, true},
		{"OPT   OUT", nil, true},
		{"optout", nil, true},
		{"StopAll", nil, true},
		{"cancel", nil, true},
		{"END", nil, true},
		{"quit.", nil, true},
		{"please stop", nil, false},
		{"stop it", nil, false},
		{"Unsubscribe please", nil, false},
		{"don't stop", nil, false},
		{"stopped", nil, false},
		{"s t o p", nil, false},
		{"", nil, false},
		{"!!!", nil, false},
		{"🛑", nil, false},
		{"Thanks!", nil, false},
		{"stop", []string{"unsubscribe"}, false}, // a list given is the whole list
		{"STOPP", custom, true},
		{"Bitte abmelden!", custom, true},
		{"отписаться", custom, true},
		{"STOP", custom, true},
		{"ΣΤΟΠ", []string{"στοπ"}, true},
		{strings.Repeat("stop ", 200), nil, false},
	} {
		if got := IsOptOut(c.reply, c.keywords); got != c.want {
			t.Errorf("IsOptOut(%q, %q) = %v, want %v", c.reply, c.keywords, got, c.want)
		}
	}
}

func TestParseKeywords(t *testing.T) {
	for _, c := range []struct {
		in      string
		want    []string
		wantErr string
	}{
		{"", nil, ""},
		{" , \n ", nil, ""},
		{"STOPP, Bitte  Abmelden\nhalt\r\nSTOPP", []string{"stopp", "bitte abmelden", "halt"}, ""},
		{"Opt-Out", []string{"opt out"}, ""},
		{"stop, !!!", nil, `The opt-out keyword "!!!" has no letters or digits`},
		{strings.Repeat("a", 41), nil, "longer than 40 characters"},
		{strings.Repeat("ä", 40), []string{strings.Repeat("ä", 40)}, ""},
		{keywordList(51), nil, "There are 51 opt-out keywords; at most 50"},
		{keywordList(50), nil, ""},
	} {
		got, err := ParseKeywords(c.in)
		if c.wantErr != "" {
			e, ok := apperr.As(err)
			if !ok || e.Code != "validation_failed" || e.Field != "opt_out_keywords" || e.Hint == "" || !strings.Contains(e.Message, c.wantErr) {
				t.Errorf("ParseKeywords(%.30q) error = %v, want validation_failed containing %q", c.in, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseKeywords(%.30q): %v", c.in, err)
			continue
		}
		if c.want != nil && !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseKeywords(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func keywordList(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "word%d,", i)
	}
	return b.String()
}

func TestOptOutKeywords(t *testing.T) {
	got := OptOutKeywords([]string{"STOP", "halt", "Opt-Out"})
	want := append(append([]string(nil), defaultOptOutKeywords...), "halt")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("OptOutKeywords = %q, want %q", got, want)
	}
}
