// Package accountstest holds what tests of Telegram accounts share: a
// sandbox world with apps and phone numbers for each kind of login, and a
// search for secrets that must never be stored or logged in the clear.
package accountstest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/gotd/td/session"

	"github.com/telegramate/telegramate/internal/sandbox"
)

// App is a registered Telegram app of the World.
type App struct {
	ID   int64
	Hash string
}

// IDString is the API ID as typed in a form.
func (a App) IDString() string { return fmt.Sprint(a.ID) }

// The World's apps: one API ID connects one account, so tests take one
// each.
var (
	AppA = App{2000001, "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"}
	AppB = App{2000002, "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"}
	AppC = App{2000003, "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"}
	AppD = App{2000004, "d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4"}
	AppE = App{2000005, "e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5"}
	AppF = App{2000006, "f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6"}
	AppG = App{2000007, "0707070707070707070707070707070a"}
	AppH = App{2000008, "8e8e8e8e8e8e8e8e8e8e8e8e8e8e8e8e"}
)

// The World's accounts. Telegram's test numbers 99966XYYYY get the code
// XXXXX (Code).
const (
	PhoneAnn  = "9996611101" // DC 1, no 2FA
	PhoneBob  = "9996621102" // DC 2, 2FA BobPassword, hint "battery staple"
	PhoneCleo = "9996631103" // DC 1, no 2FA
	PhoneDan  = "9996641104" // DC 1, no 2FA
	PhoneEve  = "9996651105" // DC 2, no 2FA
	PhoneFay  = "9996661106" // DC 1, no 2FA
	PhoneGus  = "9996671107" // DC 2, 2FA GusPassword, hint "animal"
	// PhoneUnknown is well-formed but has no Telegram account.
	PhoneUnknown = "9996699999"

	BobPassword = "correct-horse"
	GusPassword = "zebra-Staple-42!"
	BobHint     = "battery staple"
)

// WorldJSON is the sandbox world of account tests.
const WorldJSON = `{
  "dcs": [1, 2],
  "apps": [
    {"api_id": 2000001, "api_hash": "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"},
    {"api_id": 2000002, "api_hash": "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"},
    {"api_id": 2000003, "api_hash": "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"},
    {"api_id": 2000004, "api_hash": "d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4"},
    {"api_id": 2000005, "api_hash": "e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5"},
    {"api_id": 2000006, "api_hash": "f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6"},
    {"api_id": 2000007, "api_hash": "0707070707070707070707070707070a"},
    {"api_id": 2000008, "api_hash": "8e8e8e8e8e8e8e8e8e8e8e8e8e8e8e8e"}
  ],
  "users": [
    {"id": 3001, "phone": "9996611101", "first_name": "Ann", "last_name": "Lee", "username": "ann_lee", "dc": 1},
    {"id": 3002, "phone": "9996621102", "first_name": "Bob", "username": "bob_stone", "dc": 2,
     "password": "correct-horse", "password_hint": "battery staple"},
    {"id": 3003, "phone": "9996631103", "first_name": "Cleo", "last_name": "Park", "dc": 1},
    {"id": 3004, "phone": "9996641104", "first_name": "Dan", "dc": 1},
    {"id": 3005, "phone": "9996651105", "first_name": "Eve", "last_name": "Moreau", "username": "eve_m", "dc": 2},
    {"id": 3006, "phone": "9996661106", "first_name": "Fay", "dc": 1},
    {"id": 3007, "phone": "9996671107", "first_name": "Gus", "dc": 2,
     "password": "zebra-Staple-42!", "password_hint": "animal"}
  ]
}`

// World parses WorldJSON.
func World() *sandbox.World {
	w, err := sandbox.ParseWorld([]byte(WorldJSON))
	if err != nil {
		panic(fmt.Sprintf("accountstest world: %v", err))
	}
	return w
}

// Code is the login code the sandbox sends to a test number.
func Code(phone string) string { return strings.Repeat(phone[5:6], 5) }

// AuthKey is the permanent auth key inside a gotd session blob.
func AuthKey(sessionBlob []byte) ([]byte, error) {
	var st session.StorageMemory
	if err := st.StoreSession(context.Background(), sessionBlob); err != nil {
		return nil, err
	}
	data, err := (&session.Loader{Storage: &st}).Load(context.Background())
	if err != nil {
		return nil, err
	}
	if len(data.AuthKey) == 0 {
		return nil, fmt.Errorf("session has no auth key")
	}
	return data.AuthKey, nil
}

// Secret is a value that must not appear anywhere it is searched for.
type Secret struct {
	Name  string
	Value []byte
	// Token: match only where no digit touches it and not inside a hex
	// string (login codes are short digit runs that occur by chance inside
	// unrelated numbers, and in hex digests and ids: one CI run in many
	// found "77777" in the database that way).
	Token bool
}

// minHexRun is the shortest run of hex digits taken for encoded data (a
// digest, an id) rather than text a code could have been written into.
const minHexRun = 16

// tokenAt finds needle in haystack where no digit touches it and the run
// of hex digits around it is shorter than minHexRun.
func tokenAt(haystack, needle []byte) (int, bool) {
	isHex := func(b byte) bool { return '0' <= b && b <= '9' || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F' }
	for from := 0; ; {
		i := bytes.Index(haystack[from:], needle)
		if i < 0 {
			return 0, false
		}
		at, end := from+i, from+i+len(needle)
		from = at + 1
		if at > 0 && '0' <= haystack[at-1] && haystack[at-1] <= '9' || end < len(haystack) && '0' <= haystack[end] && haystack[end] <= '9' {
			continue
		}
		lo, hi := at, end
		for lo > 0 && isHex(haystack[lo-1]) {
			lo--
		}
		for hi < len(haystack) && isHex(haystack[hi]) {
			hi++
		}
		if hi-lo < minHexRun {
			return at, true
		}
	}
}

// around is the bytes about a match, for the report.
func around(b []byte, at, n int) []byte {
	return b[max(0, at-24):min(len(b), at+n+24)]
}

// Leaks lists which secrets occur in haystack (named by where), in plain
// bytes, hex or base64.
func Leaks(where string, haystack []byte, secrets []Secret) []string {
	var found []string
	for _, s := range secrets {
		for enc, needle := range map[string][]byte{
			"plain":     s.Value,
			"hex":       []byte(hex.EncodeToString(s.Value)),
			"base64":    []byte(base64.StdEncoding.EncodeToString(s.Value)),
			"base64url": []byte(base64.RawURLEncoding.EncodeToString(s.Value)),
		} {
			if len(needle) == 0 {
				continue
			}
			if s.Token && enc == "plain" {
				if at, ok := tokenAt(haystack, needle); ok {
					found = append(found, fmt.Sprintf("%s (%s) in %s, at byte %d: %q", s.Name, enc, where, at, around(haystack, at, len(needle))))
				}
				continue
			}
			if bytes.Contains(haystack, needle) {
				found = append(found, fmt.Sprintf("%s (%s) in %s", s.Name, enc, where))
			}
		}
	}
	return found
}
