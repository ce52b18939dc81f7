package accounts_test

import (
	"strings"
	"testing"

	"github.com/telegramate/telegramate/internal/accounts"
)

// TestAPIIDTooLarge: Telegram API IDs are 32-bit, and a longer number is
// told so rather than "must be a positive whole number".
func TestAPIIDTooLarge(t *testing.T) {
	for _, id := range []string{"2147483648", "99999999999", "99999999999999999999999"} {
		errs := accounts.CheckRotate(accounts.RotateInput{APIID: id, APIHash: "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"})
		if len(errs) != 1 || errs[0].Field != "api_id" || errs[0].Message != "The API ID is too large" || !strings.Contains(errs[0].Hint, "2147483647") {
			t.Errorf("%s reads %+v", id, errs)
		}
	}
	for _, id := range []string{"-99999999999999999999999", "0", "12ab"} {
		errs := accounts.CheckRotate(accounts.RotateInput{APIID: id, APIHash: "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"})
		if len(errs) != 1 || errs[0].Message != "The API ID must be a positive whole number" {
			t.Errorf("%s reads %+v", id, errs)
		}
	}
	if errs := accounts.CheckRotate(accounts.RotateInput{APIID: "2147483647", APIHash: "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"}); len(errs) != 0 {
		t.Errorf("the largest API ID is refused: %+v", errs)
	}
}

// TestPhoneInternationalPrefix: 00 is the international prefix, as + is.
func TestPhoneInternationalPrefix(t *testing.T) {
	for in, want := range map[string]string{
		"0044 7700 900123":  "447700900123",
		"00-44-7700-900123": "447700900123",
		"+44 7700 900123":   "447700900123",
		"00999 66 11 101":   "9996611101",
	} {
		got, err := accounts.NormalizePhone(in)
		if err != nil || got != want {
			t.Errorf("%q is %q, %v; want %q", in, got, err, want)
		}
	}
}

// TestPhoneWithoutCountryCode: a national number (leading 0) or a call
// prefix after + is refused, not sent to Telegram as a different number
// (found by FuzzNormalizePhone: "+0044…" did not normalise to itself).
func TestPhoneWithoutCountryCode(t *testing.T) {
	for _, in := range []string{"07700 900123", "+0044 7700 900123", "+07700900123"} {
		if _, err := accounts.NormalizePhone(in); err == nil || err.Field != "phone" || !strings.Contains(err.Message, "country code") {
			t.Errorf("%q: %v, want a phone error about the country code", in, err)
		}
	}
}
