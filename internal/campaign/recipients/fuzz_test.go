package recipients

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/telegramate/telegramate/internal/apperr"
)

var validUsername = regexp.MustCompile(`^[a-z][a-z0-9_]{2,31}$`)

// fuzzLimits are small, so fuzzing reaches the limits too.
var fuzzLimits = Limits{MaxBytes: 4 << 10, MaxRows: 50}

// checkResult holds for any input: refs are valid and distinct, and the
// invalid list is capped and readable.
func checkResult(t *testing.T, in string, res Result, err error) {
	t.Helper()
	if err != nil {
		if e, ok := apperr.As(err); !ok || e.Code != "validation_failed" || e.Field != "recipients" || e.Message == "" || e.Hint == "" {
			t.Fatalf("%q: error %#v", in, err)
		}
		return
	}
	seen := map[Ref]bool{}
	for _, r := range res.Refs {
		if (r.UserID != 0) == (r.Username != "") {
			t.Fatalf("%q: ref %+v must have exactly one of id and username", in, r)
		}
		if r.UserID < 0 || (r.Username != "" && !validUsername.MatchString(r.Username)) {
			t.Fatalf("%q: invalid ref %+v", in, r)
		}
		if seen[r] {
			t.Fatalf("%q: duplicate ref %+v", in, r)
		}
		seen[r] = true
	}
	if len(res.Invalid) > MaxReported || len(res.Invalid) > res.InvalidCount || res.Duplicates < 0 {
		t.Fatalf("%q: %d invalid listed of %d", in, len(res.Invalid), res.InvalidCount)
	}
	for _, inv := range res.Invalid {
		if inv.Line < 1 || inv.Reason == "" || !utf8.ValidString(inv.Value) {
			t.Fatalf("%q: bad invalid entry %+v", in, inv)
		}
	}
	if len(res.Refs)+res.InvalidCount > fuzzLimits.MaxRows {
		t.Fatalf("%q: %d items read past the limit of %d", in, len(res.Refs)+res.InvalidCount, fuzzLimits.MaxRows)
	}
}

// asText writes refs the way a person pastes them.
func asText(refs []Ref) string {
	var b strings.Builder
	for _, r := range refs {
		if r.UserID != 0 {
			b.WriteString(strconv.FormatInt(r.UserID, 10))
		} else {
			b.WriteString("@" + r.Username)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func FuzzParseText(f *testing.F) {
	for _, s := range []string{
		"@ann, bob;carl\tdave\n42", "https://t.me/durov\nt.me/+invite\n-100123", "tg://user?id=7 tg://resolve?domain=ann_lee",
		"\uFEFF@Ann\nann\nANN", "x! _y 1z", strings.Repeat("a", 40),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		res, err := ParseText(in, fuzzLimits)
		checkResult(t, in, res, err)
		if err != nil {
			return
		}
		items := len(strings.FieldsFunc(strings.TrimPrefix(in, bom), separator))
		if got := len(res.Refs) + res.Duplicates + res.InvalidCount; got != items {
			t.Fatalf("%q: %d refs + %d duplicates + %d invalid, want %d items", in, len(res.Refs), res.Duplicates, res.InvalidCount, items)
		}
		again, err := ParseText(asText(res.Refs), Limits{})
		if err != nil || !reflect.DeepEqual(again.Refs, res.Refs) || again.InvalidCount != 0 || again.Duplicates != 0 {
			t.Fatalf("%q: refs %+v do not read back: %+v, %v", in, res.Refs, again, err)
		}
	})
}

func FuzzParseCSV(f *testing.F) {
	for _, s := range []string{
		"ann\n@bob\n42\n", "user_id;username\r\n1;ann\r\n;bob\r\n", "\uFEFFid,access_hash,username\n1,2,ann\n",
		"handle\tnote\n@ann\t\"hello, world\"\n", "ann,bob\ncarl", "username,bio\n\"ann\",\"a\nb\"\nbob,\"x", "\xff\xfe",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		res, err := ParseCSV(strings.NewReader(in), fuzzLimits)
		checkResult(t, in, res, err)
		if err != nil {
			return
		}
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		_ = w.Write([]string{"user_id", "username"})
		for _, r := range res.Refs {
			id := ""
			if r.UserID != 0 {
				id = strconv.FormatInt(r.UserID, 10)
			}
			_ = w.Write([]string{id, r.Username})
		}
		w.Flush()
		again, err := ParseCSV(&b, Limits{})
		if err != nil || !reflect.DeepEqual(again.Refs, res.Refs) || again.InvalidCount != 0 || again.Duplicates != 0 {
			t.Fatalf("%q: refs %+v do not read back: %+v, %v", in, res.Refs, again, err)
		}
	})
}
