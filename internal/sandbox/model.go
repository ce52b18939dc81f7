package sandbox

import (
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/telegramate/telegramate/internal/sandbox/mtserver"
)

// person is a user at run time: world users and generated members alike.
type person struct {
	User
	accessHash int64
	contacts   map[int64]bool
	generated  bool
	statusOff  int64 // unix time for "offline:<t>"
	chats      []int64
	replyAfter time.Duration
}

// group is a chat at run time.
type group struct {
	Chat
	accessHash int64
	members    []int64 // join order; the newest are last
	memberIdx  map[int64]int
	admins     map[int64]bool
	kicked     map[int64]bool
	banned     map[int64]bool
	created    time.Time
	// Members never change at run time, so the lists that filters page
	// through most are made once: newest first, all of them; only admins and
	// bots (what a non-admin sees of hidden members); only bots.
	recent       []int64
	recentHidden []int64
	recentBots   []int64
}

func (g *group) isMember(id int64) bool { _, ok := g.memberIdx[id]; return ok }
func (g *group) isAdmin(id int64) bool  { return g.admins[id] || g.Creator == id }

// joined is when a member joined; spread over the year before the world's
// epoch so "recent" order means something.
func (g *group) joined(id int64) int {
	i := g.memberIdx[id]
	n := len(g.members)
	return int(g.created.Unix()) + (i+1)*int(365*24*3600)/(n+1)
}

// authz is what the data center knows about one auth key.
type authz struct {
	DC      int               `json:"dc"`
	KeyID   int64             `json:"key_id"`
	UserID  int64             `json:"user_id,omitempty"`
	Hash    int64             `json:"hash"`
	Created int64             `json:"created"`
	Active  int64             `json:"active"`
	Init    mtserver.InitInfo `json:"init"`
	Revoked bool              `json:"revoked,omitempty"`
	// PasswordUserID: signIn passed, waiting for auth.checkPassword.
	PasswordUserID int64 `json:"password_user_id,omitempty"`
	srp            *srpSession
}

type keyRef struct {
	DC    int   `json:"dc"`
	KeyID int64 `json:"key_id"`
}

// pendingCode is a login code sent to a phone.
type pendingCode struct {
	Code  string    `json:"code"`
	Hash  string    `json:"hash"`
	Key   keyRef    `json:"key"`
	Sent  time.Time `json:"sent"`
	Phone string    `json:"phone"`
}

// boxMsg is a message in one user's private message box.
type boxMsg struct {
	ID       int    `json:"id"`
	Peer     int64  `json:"peer"`
	Out      bool   `json:"out,omitempty"`
	Text     string `json:"text"`
	Date     int    `json:"date"`
	RandomID int64  `json:"random_id,omitempty"`
	Pts      int    `json:"pts"`
	// Entities and NoWebpage are kept so history and getDifference show
	// the message as it was sent.
	Entities  []Entity `json:"entities,omitempty"`
	NoWebpage bool     `json:"no_webpage,omitempty"`
	// Media is a photo or file the message carries (see inbox.go).
	Media *Media `json:"media,omitempty"`
}

// box is a user's private message box with its pts sequence.
type box struct {
	Pts  int      `json:"pts"`
	Msgs []boxMsg `json:"msgs"`
}

// Message is a delivered private message. From == To is a message to the
// sender's own Saved Messages.
type Message struct {
	From     int64  `json:"from"`
	To       int64  `json:"to"`
	Text     string `json:"text"`
	RandomID int64  `json:"random_id"`
	// Date is when the sandbox accepted the message, to the nanosecond (the
	// clock's, in UTC), so a test can judge pacing from it; Telegram's own
	// message date, in whole seconds, is what clients see.
	Date      time.Time `json:"date"`
	Entities  []Entity  `json:"entities,omitempty"`
	NoWebpage bool      `json:"no_webpage,omitempty"`
	// MessageID is the message's id in the sender's message box: what
	// messages.sendMessage answered.
	MessageID int `json:"message_id,omitempty"`
	// Reply marks a message the sandbox made up, not a client's send: a
	// scripted reply (the world's "reply") or one written with Write.
	Reply bool `json:"reply,omitempty"`
	// Media is what a message written with Write carries.
	Media *Media `json:"media,omitempty"`
}

// worldEpoch dates chats and joins; a fixed time keeps worlds deterministic.
var worldEpoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// accessHashFor is stable across restarts so saved peers stay valid.
func accessHashFor(kind byte, id int64) int64 {
	x := uint64(id)*0x9E3779B97F4A7C15 ^ uint64(kind)<<56
	x ^= x >> 30
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 27
	x *= 0x94D049BB133111EB
	x ^= x >> 31
	return int64(x &^ (1 << 63))
}

func codeFor(phone string) string {
	// Telegram's test numbers 99966XYYYY get the code XXXXX.
	if len(phone) == 10 && strings.HasPrefix(phone, "99966") {
		return strings.Repeat(phone[5:6], 5)
	}
	// Any other number in a world gets a fixed code made from its digits,
	// so a demo can be repeated; the control endpoint shows it.
	h := fnv.New32a()
	h.Write([]byte(phone))
	return fmt.Sprintf("%05d", h.Sum32()%100000)
}
