package accounts

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/secrets"
)

// ConnectInput is the connect form as typed: API ID, API Hash, phone.
type ConnectInput struct {
	APIID   string
	APIHash secrets.Secret
	Phone   string
}

// RotateInput is the new credentials of a rotation.
type RotateInput struct {
	APIID   string
	APIHash secrets.Secret
}

// credentials are checked input, ready for Telegram.
type credentials struct {
	apiID   int64
	apiHash secrets.Secret
}

// CheckConnect validates every field of in before Telegram is asked and
// returns one error per bad field (shown next to it), nil when all are fine.
func CheckConnect(in ConnectInput) []*apperr.Error {
	_, _, errs := checkConnect(in)
	return errs
}

// CheckRotate is CheckConnect for the rotate form.
func CheckRotate(in RotateInput) []*apperr.Error {
	_, errs := checkCredentials(in.APIID, in.APIHash)
	return errs
}

func checkConnect(in ConnectInput) (credentials, string, []*apperr.Error) {
	c, errs := checkCredentials(in.APIID, in.APIHash)
	phone, err := NormalizePhone(in.Phone)
	if err != nil {
		errs = append(errs, err)
	}
	return c, phone, errs
}

func checkCredentials(apiID string, apiHash secrets.Secret) (credentials, []*apperr.Error) {
	var (
		c    credentials
		errs []*apperr.Error
		err  *apperr.Error
	)
	if c.apiID, err = parseAPIID(apiID); err != nil {
		errs = append(errs, err)
	}
	if c.apiHash, err = parseAPIHash(apiHash); err != nil {
		errs = append(errs, err)
	}
	return c, errs
}

func parseAPIID(s string) (int64, *apperr.Error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, invalid("api_id", "Enter your API ID", "It is the number shown as “App api_id” on my.telegram.org, e.g. 12345678.")
	}
	id, err := strconv.ParseInt(s, 10, 64)
	// Telegram's api_id is a 32-bit integer: a longer number is not a
	// typo of the kind "positive whole number" describes, so say what it is.
	if (err == nil && id > math.MaxInt32) || (err != nil && errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(s, "-")) {
		return 0, invalid("api_id", "The API ID is too large",
			fmt.Sprintf("Telegram API IDs are 32-bit numbers, at most %d. Copy the number shown as “App api_id” on my.telegram.org, e.g. 12345678.", math.MaxInt32))
	}
	if err != nil || id <= 0 {
		return 0, invalid("api_id", "The API ID must be a positive whole number",
			"Copy the number shown as “App api_id” on my.telegram.org, e.g. 12345678, without other characters.")
	}
	return id, nil
}

func parseAPIHash(s secrets.Secret) (secrets.Secret, *apperr.Error) {
	// Surrounding spaces come with copy and paste; the article warns about
	// them, so they are dropped rather than refused.
	h := strings.ToLower(strings.TrimSpace(s.Reveal()))
	if h == "" {
		return "", invalid("api_hash", "Enter your API Hash", "It is the 32-character “App api_hash” on my.telegram.org.")
	}
	if len(h) != 32 || strings.Trim(h, "0123456789abcdef") != "" {
		return "", invalid("api_hash", "The API Hash must be 32 hexadecimal characters (0–9 and a–f)",
			"Copy the whole “App api_hash” from my.telegram.org; it looks like 0123456789abcdef0123456789abcdef.")
	}
	return secrets.Secret(h), nil
}

// NormalizePhone checks an international phone number (7–15 digits, an
// optional leading + or 00, spaces and dashes ignored) and returns its digits.
// Telegram's test numbers 99966XYYYY pass, although 999 is no country code.
func NormalizePhone(s string) (string, *apperr.Error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", invalid("phone", "Enter your phone number", "Use international format with the country code, e.g. +44 7700 900123.")
	}
	s, plus := strings.CutPrefix(s, "+")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-':
		default:
			return "", invalid("phone", "A phone number has only digits, spaces and dashes after an optional +",
				"Use international format with the country code, e.g. +44 7700 900123.")
		}
	}
	digits := b.String()
	if !plus {
		// 00 is the international call prefix in most countries, the
		// same as + (0044 7700 900123 is +44 7700 900123).
		digits = strings.TrimPrefix(digits, "00")
	}
	if len(digits) < 7 || len(digits) > 15 {
		return "", invalid("phone", "An international phone number has 7 to 15 digits",
			"Include the country code, e.g. +44 7700 900123.")
	}
	// No country code starts with 0: a leading 0 is a national number
	// (07700 900123) or a call prefix after a + (+0044 …).
	if digits[0] == '0' {
		return "", invalid("phone", "Start the number with its country code, not 0",
			"Use international format, e.g. +44 7700 900123 rather than 07700 900123.")
	}
	return digits, nil
}

// parseCode checks a login code: digits (spaces and dashes ignored), or
// words when Telegram sent words by SMS.
func parseCode(s string, codeType string) (secrets.Secret, *apperr.Error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", invalid("code", "Enter the code Telegram sent you", "")
	}
	if codeType == "sms_word" || codeType == "sms_phrase" {
		return secrets.Secret(s), nil
	}
	code := strings.NewReplacer(" ", "", "-", "").Replace(s)
	if len(code) < 3 || len(code) > 10 || strings.Trim(code, "0123456789") != "" {
		return "", invalid("code", "The code is the digits Telegram sent you, e.g. 12345", "")
	}
	return secrets.Secret(code), nil
}

func checkPassword(p secrets.Secret) *apperr.Error {
	if p.Reveal() == "" {
		return invalid("password", "Enter your two-step verification password", "")
	}
	return nil
}

func invalid(field, message, hint string) *apperr.Error {
	e := apperr.Validation(field, message)
	e.Hint = hint
	return e
}

// firstOf is the error an API client gets for a form with several bad
// fields: the first, with the others listed in its hint.
func firstOf(errs []*apperr.Error) error {
	if len(errs) == 0 {
		return nil
	}
	e := *errs[0]
	for _, other := range errs[1:] {
		if e.Hint != "" {
			e.Hint += " "
		}
		e.Hint += "Also: " + other.Message + "."
	}
	return &e
}
