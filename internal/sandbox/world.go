package sandbox

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// World is everything a sandbox data center knows at start: see
// docs/sandbox.md for the file format.
type World struct {
	DCs    []int   `json:"dcs"`
	Apps   []App   `json:"apps"`
	Users  []User  `json:"users"`
	Chats  []Chat  `json:"chats"`
	Limits Limits  `json:"limits"`
	Faults []Fault `json:"faults"`
	// GenerateAccounts adds many accounts that can log in, for benchmarks.
	GenerateAccounts *GenerateAccounts `json:"generate_accounts"`
}

// GenerateAccounts makes Count accounts with consecutive phone numbers from
// FirstPhone (Telegram's test numbers 99966XYYYY get the code XXXXX), names
// made from Seed, ids from FirstID, all on data center DC.
type GenerateAccounts struct {
	Count      int    `json:"count"`
	Seed       int64  `json:"seed"`
	FirstPhone string `json:"first_phone"`
	FirstID    int64  `json:"first_id"`
	DC         int    `json:"dc"`
}

// App is a registered application (my.telegram.org credentials).
type App struct {
	APIID   int    `json:"api_id"`
	APIHash string `json:"api_hash"`
}

// User is an account; one with a phone can log in.
type User struct {
	ID               int64   `json:"id"`
	Phone            string  `json:"phone"`
	FirstName        string  `json:"first_name"`
	LastName         string  `json:"last_name"`
	Username         string  `json:"username"`
	Password         string  `json:"password"`
	PasswordHint     string  `json:"password_hint"`
	DC               int     `json:"dc"`
	Contacts         []int64 `json:"contacts"`
	Bot              bool    `json:"bot"`
	Deleted          bool    `json:"deleted"`
	Premium          bool    `json:"premium"`
	Verified         bool    `json:"verified"`
	Status           string  `json:"status"`
	PrivacyStrangers string  `json:"privacy_strangers"`
	Reply            string  `json:"reply"`
	// ReplyAfter delays Reply ("2s", "1m"); empty answers at once.
	ReplyAfter string `json:"reply_after"`
	// Blocked lists users this user blocked; BlocksEveryone blocks all.
	// A blocked sender gets USER_IS_BLOCKED.
	Blocked        []int64 `json:"blocked"`
	BlocksEveryone bool    `json:"blocks_everyone"`
	// PeerFloodAfter overrides limits.peer_flood_after for this account.
	PeerFloodAfter int `json:"peer_flood_after"`
}

// Chat is a basic group, a supergroup or a broadcast channel.
type Chat struct {
	ID              int64            `json:"id"`
	Type            string           `json:"type"`
	Title           string           `json:"title"`
	Username        string           `json:"username"`
	About           string           `json:"about"`
	Members         []int64          `json:"members"`
	Admins          []int64          `json:"admins"`
	Creator         int64            `json:"creator"`
	Kicked          []int64          `json:"kicked"`
	Banned          []int64          `json:"banned"`
	GenerateMembers *GenerateMembers `json:"generate_members"`
	HiddenMembers   bool             `json:"hidden_members"`
}

// GenerateMembers adds Count deterministic members made from Seed.
type GenerateMembers struct {
	Count int   `json:"count"`
	Seed  int64 `json:"seed"`
}

// Limits are the server-side caps Telegram applies.
type Limits struct {
	ParticipantsCap int `json:"participants_cap"`
	PageSize        int `json:"page_size"`
	PeerFloodAfter  int `json:"peer_flood_after"`
}

// Fault makes a method fail: see docs/sandbox.md for when it fires.
type Fault struct {
	Method string `json:"method"`
	After  int    `json:"after"`
	Every  int    `json:"every"`
	Error  string `json:"error"`
	// Phone limits the fault to one account; empty is every account.
	Phone string `json:"phone,omitempty"`
}

// Chat types.
const (
	ChatGroup      = "group"
	ChatSupergroup = "supergroup"
	ChatChannel    = "channel"
)

// Defaults of Limits, the figures Telegram applies.
const (
	DefaultParticipantsCap = 10000
	DefaultPageSize        = 200
	DefaultPeerFloodAfter  = 50
	// basicGroupMax is where Telegram turns a basic group into a supergroup.
	basicGroupMax = 200
)

// LoadWorld reads and checks a world file.
func LoadWorld(path string) (*World, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read world: %w", err)
	}
	w, err := ParseWorld(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return w, nil
}

// ParseWorld decodes a world, refusing unknown fields and bad values with an
// error that names the field, e.g. `chats[0].type: "grp" is not group,
// supergroup or channel`.
func ParseWorld(data []byte) (*World, error) {
	var w World
	if err := strictUnmarshal(data, &w); err != nil {
		return nil, err
	}
	w.applyDefaults()
	if err := w.Validate(); err != nil {
		return nil, err
	}
	return &w, nil
}

func (w *World) applyDefaults() {
	if len(w.DCs) == 0 {
		w.DCs = []int{1}
	}
	if w.Limits.ParticipantsCap == 0 {
		w.Limits.ParticipantsCap = DefaultParticipantsCap
	}
	if w.Limits.PageSize == 0 {
		w.Limits.PageSize = DefaultPageSize
	}
	if w.Limits.PeerFloodAfter == 0 {
		w.Limits.PeerFloodAfter = DefaultPeerFloodAfter
	}
	for i := range w.Faults {
		w.Faults[i].Phone = NormalizePhone(w.Faults[i].Phone)
	}
	if g := w.GenerateAccounts; g != nil {
		if g.DC == 0 {
			g.DC = w.DCs[0]
		}
		if g.FirstID == 0 {
			g.FirstID = DefaultGeneratedAccountID
		}
		g.FirstPhone = NormalizePhone(g.FirstPhone)
	}
	for i := range w.Users {
		u := &w.Users[i]
		if u.DC == 0 {
			u.DC = w.DCs[0]
		}
		if u.Status == "" {
			u.Status = "recently"
		}
		if u.PrivacyStrangers == "" {
			u.PrivacyStrangers = "allow"
		}
		u.Phone = NormalizePhone(u.Phone)
	}
}

// NormalizePhone drops what people type around digits: "+", spaces, dashes,
// parentheses.
func NormalizePhone(p string) string {
	var b strings.Builder
	for _, r := range p {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

var (
	hashRe     = regexp.MustCompile(`^[0-9a-f]{32}$`)
	usernameRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{2,31}$`)
	faultErrRe = regexp.MustCompile(`^(FLOOD_WAIT_[0-9]+|INTERNAL|DROP_CONNECTION|PEER_FLOOD|[0-9]{3}:[A-Z][A-Z0-9_]*)$`)
)

func fieldErr(field, format string, args ...any) error {
	return fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...))
}

// Validate checks values and references; ParseWorld calls it.
func (w *World) Validate() error {
	dcs := map[int]bool{}
	for i, dc := range w.DCs {
		if dc < 1 || dc > 1000 {
			return fieldErr(fmt.Sprintf("dcs[%d]", i), "%d is not a data center id (1-1000)", dc)
		}
		if dcs[dc] {
			return fieldErr(fmt.Sprintf("dcs[%d]", i), "%d is listed twice", dc)
		}
		dcs[dc] = true
	}
	if len(w.Apps) == 0 {
		return fieldErr("apps", "at least one app is needed to log in")
	}
	for i, a := range w.Apps {
		f := fmt.Sprintf("apps[%d]", i)
		if a.APIID <= 0 {
			return fieldErr(f+".api_id", "%d is not a positive integer", a.APIID)
		}
		if !hashRe.MatchString(a.APIHash) {
			return fieldErr(f+".api_hash", "%q is not 32 lowercase hexadecimal characters", a.APIHash)
		}
	}
	ids := map[int64]bool{}
	phones := map[string]bool{}
	usernames := map[string]string{}
	for i, u := range w.Users {
		f := fmt.Sprintf("users[%d]", i)
		if u.ID <= 0 {
			return fieldErr(f+".id", "%d is not a positive id", u.ID)
		}
		if ids[u.ID] {
			return fieldErr(f+".id", "%d is used twice", u.ID)
		}
		ids[u.ID] = true
		if u.Phone != "" {
			if len(u.Phone) < 7 || len(u.Phone) > 15 {
				return fieldErr(f+".phone", "%q is not an international number of 7-15 digits", u.Phone)
			}
			if phones[u.Phone] {
				return fieldErr(f+".phone", "%q is used twice", u.Phone)
			}
			phones[u.Phone] = true
		}
		if u.Username != "" {
			if !usernameRe.MatchString(u.Username) {
				return fieldErr(f+".username", "%q is not a username (3-32 letters, digits or _, starting with a letter)", u.Username)
			}
			if other, ok := usernames[strings.ToLower(u.Username)]; ok {
				return fieldErr(f+".username", "%q is already used by %s", u.Username, other)
			}
			usernames[strings.ToLower(u.Username)] = f
		}
		if !dcs[u.DC] {
			return fieldErr(f+".dc", "%d is not in dcs", u.DC)
		}
		if u.Password == "" && u.PasswordHint != "" {
			return fieldErr(f+".password_hint", "a hint needs a password")
		}
		if err := checkStatus(u.Status); err != nil {
			return fieldErr(f+".status", "%v", err)
		}
		if u.PrivacyStrangers != "allow" && u.PrivacyStrangers != "deny" {
			return fieldErr(f+".privacy_strangers", "%q is not allow or deny", u.PrivacyStrangers)
		}
		if u.Bot && u.Phone != "" {
			return fieldErr(f+".phone", "bots log in with a token, not a phone")
		}
		if !u.Deleted && !u.Bot && u.FirstName == "" && u.Phone != "" {
			return fieldErr(f+".first_name", "an account needs a first name")
		}
		if u.ReplyAfter != "" {
			d, err := time.ParseDuration(u.ReplyAfter)
			if err != nil || d < 0 {
				return fieldErr(f+".reply_after", "%q is not a duration such as 2s or 1m30s", u.ReplyAfter)
			}
			if u.Reply == "" {
				return fieldErr(f+".reply_after", "a delay needs a reply")
			}
		}
		if u.PeerFloodAfter < 0 {
			return fieldErr(f+".peer_flood_after", "%d is negative", u.PeerFloodAfter)
		}
	}
	for i, u := range w.Users {
		for j, c := range u.Contacts {
			if !ids[c] {
				return fieldErr(fmt.Sprintf("users[%d].contacts[%d]", i, j), "user %d is not in users", c)
			}
		}
		for j, b := range u.Blocked {
			if !ids[b] {
				return fieldErr(fmt.Sprintf("users[%d].blocked[%d]", i, j), "user %d is not in users", b)
			}
		}
	}
	if err := w.GenerateAccounts.validate(dcs, ids, phones, usernames); err != nil {
		return err
	}
	chatIDs := map[int64]bool{}
	for i, c := range w.Chats {
		f := fmt.Sprintf("chats[%d]", i)
		if err := c.validate(f, ids, usernames, chatIDs); err != nil {
			return err
		}
	}
	for i, fl := range w.Faults {
		if err := fl.validate(fmt.Sprintf("faults[%d]", i)); err != nil {
			return err
		}
		if p := NormalizePhone(fl.Phone); p != "" && !phones[p] {
			return fieldErr(fmt.Sprintf("faults[%d].phone", i), "%q is not an account's phone", fl.Phone)
		}
	}
	l := w.Limits
	if l.ParticipantsCap < 1 {
		return fieldErr("limits.participants_cap", "%d is not positive", l.ParticipantsCap)
	}
	if l.PageSize < 1 || l.PageSize > 1000 {
		return fieldErr("limits.page_size", "%d is not between 1 and 1000", l.PageSize)
	}
	if l.PeerFloodAfter < 1 {
		return fieldErr("limits.peer_flood_after", "%d is not positive", l.PeerFloodAfter)
	}
	return nil
}

func (c *Chat) validate(f string, users map[int64]bool, usernames map[string]string, chatIDs map[int64]bool) error {
	if c.ID <= 0 {
		return fieldErr(f+".id", "%d is not a positive id", c.ID)
	}
	if chatIDs[c.ID] {
		return fieldErr(f+".id", "%d is used twice", c.ID)
	}
	chatIDs[c.ID] = true
	switch c.Type {
	case ChatGroup, ChatSupergroup, ChatChannel:
	default:
		return fieldErr(f+".type", "%q is not group, supergroup or channel", c.Type)
	}
	if strings.TrimSpace(c.Title) == "" {
		return fieldErr(f+".title", "a chat needs a title")
	}
	if c.Username != "" {
		if c.Type == ChatGroup {
			return fieldErr(f+".username", "a basic group cannot have a username")
		}
		if !usernameRe.MatchString(c.Username) {
			return fieldErr(f+".username", "%q is not a username (3-32 letters, digits or _, starting with a letter)", c.Username)
		}
		if other, ok := usernames[strings.ToLower(c.Username)]; ok {
			return fieldErr(f+".username", "%q is already used by %s", c.Username, other)
		}
		usernames[strings.ToLower(c.Username)] = f
	}
	members := map[int64]bool{}
	for j, m := range c.Members {
		if !users[m] {
			return fieldErr(fmt.Sprintf("%s.members[%d]", f, j), "user %d is not in users", m)
		}
		members[m] = true
	}
	for j, a := range c.Admins {
		if !members[a] {
			return fieldErr(fmt.Sprintf("%s.admins[%d]", f, j), "user %d is not in members", a)
		}
	}
	if c.Creator != 0 && !members[c.Creator] {
		return fieldErr(f+".creator", "user %d is not in members", c.Creator)
	}
	for _, list := range []struct {
		name string
		ids  []int64
	}{{"kicked", c.Kicked}, {"banned", c.Banned}} {
		for j, id := range list.ids {
			if !users[id] {
				return fieldErr(fmt.Sprintf("%s.%s[%d]", f, list.name, j), "user %d is not in users", id)
			}
			if members[id] {
				return fieldErr(fmt.Sprintf("%s.%s[%d]", f, list.name, j), "user %d is also a member", id)
			}
		}
	}
	if g := c.GenerateMembers; g != nil {
		if g.Count < 0 || g.Count > 2_000_000 {
			return fieldErr(f+".generate_members.count", "%d is not between 0 and 2000000", g.Count)
		}
	}
	if c.Type == ChatGroup {
		n := len(c.Members)
		if c.GenerateMembers != nil {
			n += c.GenerateMembers.Count
		}
		if n > basicGroupMax {
			return fieldErr(f+".members", "a basic group holds at most %d members (%d given); use a supergroup", basicGroupMax, n)
		}
		if c.HiddenMembers {
			return fieldErr(f+".hidden_members", "only supergroups can hide members")
		}
	}
	if c.Type == ChatChannel && c.HiddenMembers {
		return fieldErr(f+".hidden_members", "only supergroups can hide members")
	}
	return nil
}

func (fl *Fault) validate(f string) error {
	if strings.TrimSpace(fl.Method) == "" {
		return fieldErr(f+".method", "a method name such as messages.sendMessage, or * for all, is needed")
	}
	if fl.Method != "*" && methodTypeID(fl.Method) == 0 {
		return fieldErr(f+".method", "%q is not a Telegram API method", fl.Method)
	}
	if fl.Phone != "" && NormalizePhone(fl.Phone) == "" {
		return fieldErr(f+".phone", "%q is not a phone number", fl.Phone)
	}
	if fl.After < 0 {
		return fieldErr(f+".after", "%d is negative", fl.After)
	}
	if fl.Every < 0 {
		return fieldErr(f+".every", "%d is negative", fl.Every)
	}
	if !faultErrRe.MatchString(fl.Error) {
		return fieldErr(f+".error", "%q is not FLOOD_WAIT_<seconds>, INTERNAL, DROP_CONNECTION, PEER_FLOOD or <code>:<ERROR_TYPE>", fl.Error)
	}
	return nil
}

func checkStatus(s string) error {
	switch s {
	case "online", "recently", "last_week", "last_month", "empty":
		return nil
	}
	if rest, ok := strings.CutPrefix(s, "offline:"); ok {
		if t, err := strconv.ParseInt(rest, 10, 64); err == nil && t > 0 {
			return nil
		}
	}
	return fmt.Errorf("%q is not online, recently, last_week, last_month, empty or offline:<unix time>", s)
}
