package telegram

import "testing"

// TestKindOf: each method's FLOOD_WAIT is kept for the work it belongs to;
// a method not named is the account's own.
func TestKindOf(t *testing.T) {
	for method, want := range map[string]CallKind{
		"messages.sendMessage":      KindSend,
		"channels.inviteToChannel":  KindSend,
		"channels.getParticipants":  KindMembers,
		"contacts.resolveUsername":  KindResolve,
		"messages.getDialogs":       KindAccount,
		"account.getAuthorizations": KindAccount,
		"channels.getFullChannel":   KindAccount,
		"users.getUsers":            KindAccount,
		"updates.getDifference":     KindAccount,
	} {
		if got := KindOf(method); got != want {
			t.Errorf("%s is %s, want %s", method, got, want)
		}
	}
}
