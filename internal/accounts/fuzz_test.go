package accounts

import (
	"math"
	"strings"
	"testing"

	"github.com/telegramate/telegramate/internal/secrets"
)

// The connect form's parsers take whatever a person or an API client
// sends. Each must answer anything with a valid value or an error naming
// its field, never panic, and never let through what Telegram would refuse.

func FuzzParseAPIID(f *testing.F) {
	for _, s := range []string{"12345678", " 2040 ", "-1", "0", "2147483648", "99999999999999999999", "1e5", "０１２", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := parseAPIID(s)
		switch {
		case err != nil:
			if err.Field != "api_id" || err.Message == "" {
				t.Fatalf("%q: error %+v does not name api_id", s, err)
			}
		case id <= 0 || id > math.MaxInt32:
			t.Fatalf("%q: accepted %d", s, id)
		}
	})
}

func FuzzParseAPIHash(f *testing.F) {
	for _, s := range []string{"0123456789abcdef0123456789abcdef", " 0123456789ABCDEF0123456789ABCDEF\t", "xyz", "", "0123456789abcdef0123456789abcdeg"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := parseAPIHash(secrets.Secret(s))
		if err != nil {
			if err.Field != "api_hash" {
				t.Fatalf("error %+v does not name api_hash", err)
			}
			return
		}
		v := h.Reveal()
		if len(v) != 32 || strings.Trim(v, "0123456789abcdef") != "" {
			t.Fatalf("accepted a hash that is not 32 lower-case hex digits: %q", v)
		}
		if strings.ToLower(strings.TrimSpace(s)) != v {
			t.Fatalf("%q became %q: only surrounding spaces may go", s, v)
		}
	})
}

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"+44 7700 900123", "0044-7700-900123", "9996610001", "+", "12", "+1 (555) 010", "٠١٢٣٤٥٦٧٨", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := NormalizePhone(s)
		if err != nil {
			if err.Field != "phone" {
				t.Fatalf("error %+v does not name phone", err)
			}
			return
		}
		if len(p) < 7 || len(p) > 15 || strings.Trim(p, "0123456789") != "" {
			t.Fatalf("%q: accepted %q, not 7-15 ASCII digits", s, p)
		}
		if again, err := NormalizePhone(p); err != nil || again != p {
			t.Fatalf("%q: normalising %q again gives %q, %v", s, p, again, err)
		}
	})
}
