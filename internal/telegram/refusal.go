package telegram

import (
	"errors"

	"github.com/gotd/td/tgerr"
)

// RecipientRefusal is why Telegram refused a message to one person for
// good, as a code for programs and a sentence for people, or false when
// the error is not about the person (the account's own troubles,
// PEER_FLOOD, revoked sessions and waits, are told apart before this is
// asked). Campaigns and the inbox's answers record the same reasons.
func RecipientRefusal(err error) (code, text string, ok bool) {
	switch {
	case errors.Is(err, ErrPrivacyRestricted):
		return "privacy_restricted", "Their privacy settings refuse messages from people they don't know", true
	case errors.Is(err, ErrRecipientBlocked):
		return "blocked", "They blocked the sending account", true
	case errors.Is(err, ErrRecipientDeactivated):
		return "deactivated", "Their Telegram account is deleted or deactivated", true
	case errors.Is(err, ErrPeerInvalid):
		return "peer_invalid", "Telegram no longer recognises this user for the sending account", true
	case errors.Is(err, ErrBannedFromSending):
		return "write_forbidden", "Telegram does not let the sending account write to them", true
	case errors.Is(err, ErrUsernameNotFound):
		return "username_not_found", "No Telegram user has this username", true
	}
	// Any other refusal of the request itself (400, 403) is about this
	// message, not the account.
	if rpc, ok := tgerr.As(err); ok && (rpc.Code == 400 || rpc.Code == 403) {
		return "refused", "Telegram refused this message: " + rpc.Type, true
	}
	return "", "", false
}
