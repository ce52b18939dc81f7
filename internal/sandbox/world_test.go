package sandbox

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode"
)

func TestParseWorldNamesTheField(t *testing.T) {
	base := func(extra string) string {
		return `{"apps": [{"api_id": 1, "api_hash": "0123456789abcdef0123456789abcdef"}],
		  "users": [{"id": 1, "phone": "9996611001", "first_name": "A"}, {"id": 2, "first_name": "B"}]` + extra + `}`
	}
	for _, tc := range []struct{ json, want string }{
		{`{"apps": [], "colour": 1}`, `colour: unknown field`},
		{base(`, "chats": [{"id": 5, "type": "grp", "title": "x", "members": [1]}]`), `chats[0].type: "grp" is not group, supergroup or channel`},
		{base(`, "chats": [{"id": 5, "type": "group", "title": "x", "members": [1], "bogus": true}]`), `chats[0].bogus: unknown field`},
		{base(`, "chats": [{"id": 5, "type": "supergroup", "title": "x", "members": [1, 3]}]`), `chats[0].members[1]: user 3 is not in users`},
		{base(`, "chats": [{"id": 5, "type": "supergroup", "title": "x", "members": [1], "admins": [2]}]`), `chats[0].admins[0]: user 2 is not in members`},
		{base(`, "chats": [{"id": 5, "type": "group", "title": "x", "generate_members": {"count": 500, "seed": 1}}]`), `chats[0].members: a basic group holds at most 200`},
		{base(`, "chats": [{"id": 5, "type": "channel", "title": "x", "hidden_members": true}]`), `chats[0].hidden_members`},
		{base(`, "limits": {"page_size": "big"}`), `limits.page_size: "big" is not an integer`},
		{base(`, "faults": [{"method": "messages.sendMessage", "error": "SLOW"}]`), `faults[0].error: "SLOW" is not`},
		{base(`, "faults": [{"method": "messages.send", "error": "INTERNAL"}]`), `faults[0].method: "messages.send" is not a Telegram API method`},
		{`{"apps": [{"api_id": 1, "api_hash": "xyz"}]}`, `apps[0].api_hash: "xyz" is not 32 lowercase hexadecimal characters`},
		{`{"apps": [{"api_id": 0, "api_hash": "0123456789abcdef0123456789abcdef"}]}`, `apps[0].api_id: 0 is not a positive integer`},
		{`{"apps": [{"api_id": 1, "api_hash": "0123456789abcdef0123456789abcdef"}], "users": [{"id": 1, "phone": "9996621001", "first_name": "A", "dc": 2}]}`, `users[0].dc: 2 is not in dcs`},
		{`{"apps": [{"api_id": 1, "api_hash": "0123456789abcdef0123456789abcdef"}], "users": [{"id": 1, "first_name": "A", "status": "away"}]}`, `users[0].status: "away" is not online`},
		{`{"apps": [{"api_id": 1, "api_hash": "0123456789abcdef0123456789abcdef"}], "users": [{"id": 1, "first_name": "A", "privacy_strangers": "maybe"}]}`, `users[0].privacy_strangers: "maybe" is not allow or deny`},
		{`{"apps": [{"api_id": 1, "api_hash": "0123456789abcdef0123456789abcdef"}], "users": [{"id": 1, "first_name": "A", "contacts": [9]}]}`, `users[0].contacts[0]: user 9 is not in users`},
		{`{"apps": [{"api_id": 1, "api_hash": "0123456789abcdef0123456789abcdef"}], "users": [{"id": 1, "first_name": "A", "username": "n-o"}]}`, `users[0].username: "n-o" is not a username`},
		{`{"apps": [{"api_id": 1, "api_hash": "0123456789abcdef0123456789abcdef"}], "users": [{"id": 1, "first_name": "A"}, {"id": 1, "first_name": "B"}]}`, `users[1].id: 1 is used twice`},
		{base(`, "faults": [{"method": "messages.sendMessage", "error": "INTERNAL", "phone": "9996699999"}]`), `faults[0].phone: "9996699999" is not an account's phone`},
		{`{"apps": [{"api_id": 1, "api_hash": "0123456789abcdef0123456789abcdef"}], "users": [{"id": 1, "first_name": "A", "reply": "STOP", "reply_after": "soon"}]}`, `users[0].reply_after: "soon" is not a duration`},
		{`{"apps": [{"api_id": 1, "api_hash": "0123456789abcdef0123456789abcdef"}], "users": [{"id": 1, "first_name": "A", "reply_after": "2s"}]}`, `users[0].reply_after: a delay needs a reply`},
		{`{"apps": [{"api_id": 1, "api_hash": "0123456789abcdef0123456789abcdef"}], "users": [{"id": 1, "first_name": "A", "blocked": [7]}]}`, `users[0].blocked[0]: user 7 is not in users`},
		{`[1]`, `world: [1] is not an object`},
	} {
		_, err := ParseWorld([]byte(tc.json))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseWorld(%s)\n got %v\nwant %q", tc.json, err, tc.want)
		}
	}
}

func TestExampleWorldsParse(t *testing.T) {
	files, err := filepath.Glob("../../examples/worlds/*.json")
	if err != nil || len(files) < 2 {
		t.Fatalf("example worlds %v %v", files, err)
	}
	for _, f := range files {
		if _, err := LoadWorld(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	// The embedded demo world is the published one.
	pub, err := os.ReadFile("../../examples/worlds/demo.json")
	if err != nil || string(pub) != string(demoJSON) {
		t.Error("examples/worlds/demo.json differs from internal/sandbox/worlds/demo.json")
	}
	d := DemoWorld()
	var with2FA, without int
	for _, u := range d.Users {
		if u.Phone != "" && u.Password != "" && u.PasswordHint != "" {
			with2FA++
		} else if u.Phone != "" {
			without++
		}
	}
	types := map[string]int{}
	hidden := false
	for _, c := range d.Chats {
		types[c.Type]++
		hidden = hidden || c.HiddenMembers
	}
	if with2FA == 0 || without == 0 || types[ChatGroup] == 0 || types[ChatSupergroup] < 2 || types[ChatChannel] == 0 || !hidden {
		t.Errorf("demo world lacks a required part: 2FA %d, no 2FA %d, types %v, hidden %v", with2FA, without, types, hidden)
	}
}

func TestGeneratedMembersAreDeterministicAndMixed(t *testing.T) {
	a := generateMembers(0, GenerateMembers{Count: 5000, Seed: 7})
	b := generateMembers(0, GenerateMembers{Count: 5000, Seed: 7})
	c := generateMembers(0, GenerateMembers{Count: 5000, Seed: 8})
	same, differ := true, false
	for i := range a {
		if !reflect.DeepEqual(a[i], b[i]) {
			same = false
		}
		if a[i].FirstName != c[i].FirstName || a[i].Username != c[i].Username {
			differ = true
		}
	}
	if !same || !differ {
		t.Fatalf("same seed same members: %v; other seed other members: %v", same, differ)
	}
	var noUsername, bots, deleted, nonLatin, premium int
	statuses := map[string]int{}
	usernames := map[string]bool{}
	for _, u := range a {
		switch {
		case u.Deleted:
			deleted++
		case u.Bot:
			bots++
		case u.Username == "":
			noUsername++
		}
		if u.Username != "" {
			if usernames[u.Username] || !usernameRe.MatchString(u.Username) {
				t.Fatalf("username %q repeated or invalid", u.Username)
			}
			usernames[u.Username] = true
		}
		if u.Premium {
			premium++
		}
		for _, r := range u.FirstName {
			if r > unicode.MaxLatin1 && !unicode.Is(unicode.Latin, r) {
				nonLatin++
				break
			}
		}
		st, _, _ := strings.Cut(u.Status, ":")
		statuses[st]++
	}
	if noUsername < 500 || bots < 50 || deleted < 20 || nonLatin < 1000 || premium < 100 || len(statuses) != 6 {
		t.Fatalf("mix: no username %d, bots %d, deleted %d, non-Latin %d, premium %d, statuses %v",
			noUsername, bots, deleted, nonLatin, premium, statuses)
	}
	w := GenerateWorld(25000)
	if err := w.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestLoginCodes(t *testing.T) {
	for phone, want := range map[string]string{"9996621002": "22222", "9996611001": "11111", "9996691234": "99999"} {
		if got := codeFor(phone); got != want {
			t.Errorf("codeFor(%s) = %s, want %s", phone, got, want)
		}
	}
	other := codeFor("4915112345678")
	if len(other) != 5 || other != codeFor("4915112345678") || other == codeFor("4915112345679") {
		t.Errorf("code for a non-test number %q is not five stable digits", other)
	}
}
