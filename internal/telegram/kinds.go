package telegram

import (
	"context"
	"errors"
	"slices"
	"time"
)

// CallKind groups Telegram's methods by the waits and limits Telegram puts
// on them. A FLOOD_WAIT names the one method it applies to, and PEER_FLOOD
// limits writing to people only: an account told to wait for sending can
// still read members, list its chats and show its sessions, so its waits
// are kept per kind and stop only calls of their kind.
type CallKind string

const (
	// KindSend is writing to people: messages (campaign sends, inbox
	// answers, test sends) and invitations. PEER_FLOOD limits it.
	KindSend CallKind = "send"
	// KindMembers is reading a chat's members (extraction).
	KindMembers CallKind = "members"
	// KindResolve is finding people and chats by username or phone.
	KindResolve CallKind = "resolve"
	// KindAccount is the account's own calls: its chat list, chats' info,
	// sessions, history, read marks, updates.
	KindAccount CallKind = "account"
)

// Kinds are all kinds, in the order pages list them.
var Kinds = []CallKind{KindSend, KindMembers, KindResolve, KindAccount}

// kindOfMethod names the methods of every kind but KindAccount, which is
// the rest.
var kindOfMethod = map[string]CallKind{
	"messages.sendMessage":         KindSend,
	"messages.sendMedia":           KindSend,
	"messages.sendMultiMedia":      KindSend,
	"messages.forwardMessages":     KindSend,
	"messages.sendInlineBotResult": KindSend,
	"messages.addChatUser":         KindSend,
	"channels.inviteToChannel":     KindSend,
	"channels.getParticipants":     KindMembers,
	"channels.getParticipant":      KindMembers,
	"contacts.resolveUsername":     KindResolve,
	"contacts.resolvePhone":        KindResolve,
	"contacts.importContacts":      KindResolve,
	"contacts.search":              KindResolve,
	"messages.checkChatInvite":     KindResolve,
}

// KindOf is the kind of a Telegram method by its TL name
// ("channels.getParticipants"), as FloodWaitError.Method holds it.
func KindOf(method string) CallKind {
	if k, ok := kindOfMethod[method]; ok {
		return k
	}
	return KindAccount
}

// Label names the kind for people: "Sending messages".
func (k CallKind) Label() string {
	switch k {
	case KindSend:
		return "Sending messages"
	case KindMembers:
		return "Reading members"
	case KindResolve:
		return "Finding usernames"
	case KindAccount:
		return "Chat lists, sessions and history"
	}
	return string(k)
}

type kindsKey struct{}

// WithKinds declares the kinds of call the work done with ctx makes
// (accounts.Service.Use): it is refused only while one of them waits. A
// context that declares none may make any call, and is refused while any
// kind waits: forgetting to declare is the safe mistake.
func WithKinds(ctx context.Context, kinds ...CallKind) context.Context {
	return context.WithValue(ctx, kindsKey{}, slices.Clone(kinds))
}

// KindsFrom are the kinds ctx declares, nil for any.
func KindsFrom(ctx context.Context) []CallKind {
	k, _ := ctx.Value(kindsKey{}).([]CallKind)
	return k
}

// ErrStillWaiting is in the chain of a *FloodWaitError that a call got
// without reaching Telegram, since its kind still waits for a wait already
// recorded (RefuseWaiting): nothing new to record.
var ErrStillWaiting = errors.New("telegram: the call's kind still waits for an earlier FLOOD_WAIT")

// RefuseWaiting refuses, before it reaches Telegram, every call whose
// method's kind still waits: waitLeft says how long the kind has left
// (zero or less: none). The refusal is the *FloodWaitError Telegram would
// answer, so callers handle it as theirs (and HonourFloodWait waits out a
// short one). Whatever kinds a caller declared, a call of a kind that
// waits is never made.
func RefuseWaiting(waitLeft func(CallKind) time.Duration) RunOption {
	return func(o *runOptions) { o.waitLeft = waitLeft }
}

// refuseWaiting is the call's refusal under o, nil when its kind is free.
func (o runOptions) refuseWaiting(method string) error {
	if o.waitLeft == nil {
		return nil
	}
	if d := o.waitLeft(KindOf(method)); d > 0 {
		return &FloodWaitError{Wait: d, Method: method, Err: ErrStillWaiting}
	}
	return nil
}
