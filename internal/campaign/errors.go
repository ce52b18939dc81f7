package campaign

import (
	"net/http"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
)

func fieldError(field, msg, hint string) *apperr.Error {
	return &apperr.Error{Code: apperr.CodeValidation, Message: msg, Hint: hint, Field: field, Status: http.StatusUnprocessableEntity}
}

var (
	errNotFound      = &apperr.Error{Code: apperr.CodeNotFound, Message: "Campaign not found", Hint: "It may have been deleted, or the link is wrong. Open Campaigns to see yours.", Status: http.StatusNotFound}
	errNoSuppression = &apperr.Error{Code: apperr.CodeNotFound, Message: "That recipient is not on your suppression list", Hint: "Open Suppressions to see who is on it.", Status: http.StatusNotFound}
)

func errTransition(action, status string) *apperr.Error {
	return &apperr.Error{
		Code:    "campaign_" + status,
		Message: "A " + status + " campaign cannot be " + action,
		Hint:    transitionHint(status),
		Status:  http.StatusConflict,
	}
}

func transitionHint(status string) string {
	switch status {
	case "completed", "cancelled":
		return "It has ended. Create a new campaign to send again."
	case "running":
		return "Pause it first, or cancel it."
	case "paused":
		return "Resume it, or cancel it."
	case "draft":
		return "Start it first."
	}
	return "Reload the page to see its current state."
}

// Reasons recorded on deliveries that were not sent: a code for programs,
// a sentence for people.
type reason struct{ code, text string }

func (r reason) step() store.StepReason { return store.StepReason{Code: r.code, Text: r.text} }

var (
	reasonSuppressed    = reason{"suppressed", "On your suppression list"}
	reasonBot           = reason{"bot", "A bot, not a person"}
	reasonDeleted       = reason{"deleted_account", "The Telegram account is deleted"}
	reasonSender        = reason{"sending_account", "One of this campaign's own sending accounts"}
	reasonUnreachable   = reason{"unreachable", "None of the sending accounts knows this user: add the accounts that extracted them, or a username"}
	reasonResolveBudget = reason{"resolve_budget", "Over the sending accounts' username look-up budget for one campaign"}
	reasonNotAPerson    = reason{"not_a_person", "The username belongs to a bot, group or channel"}
	reasonCancelled     = reason{"cancelled", "The campaign was cancelled before this message was sent"}
	reasonDeactivated   = reason{"deactivated", "Their Telegram account is deleted or deactivated"}
	reasonTooLong       = reason{"too_long", "The message is longer than Telegram allows for this recipient"}
	// Why a recipient's remaining steps were cancelled.
	reasonReplied   = reason{"replied", "Cancelled: they replied"}
	reasonOptedOut  = reason{"opted_out", "Cancelled: they opted out"}
	reasonStepsSupp = reason{"suppressed", "Cancelled: added to your suppression list"}
)

// recipientRefusal is the reason a send to one recipient failed for good,
// or false when the error is not about the recipient.
func recipientRefusal(err error) (reason, bool) {
	code, text, ok := telegram.RecipientRefusal(err)
	return reason{code, text}, ok
}
