package extract

import (
	"net/http"

	"github.com/telegramate/telegramate/internal/apperr"
)

// What users read when Telegram will not give a list.
var (
	ErrChannelAdminRequired = &apperr.Error{
		Code:    "channel_admin_required",
		Message: "Only admins can see a channel's subscribers",
		Hint:    "Telegram shows the subscribers of a broadcast channel to its admins only. Extract with an account that is an admin of the channel, or choose a group.",
		Status:  http.StatusConflict,
	}
	ErrChatAdminRequired = &apperr.Error{
		Code:    "chat_admin_required",
		Message: "Telegram shows this chat's members to admins only",
		Hint:    "Extract with an account that is an admin of this chat.",
		Status:  http.StatusConflict,
	}
	ErrChatUnavailable = &apperr.Error{
		Code:    "chat_unavailable",
		Message: "This account cannot see that chat",
		Hint:    "The account may have left it, been removed, or the chat is private. Refresh the account's chats and pick one from the list.",
		Status:  http.StatusConflict,
	}
	ErrNotAChat = &apperr.Error{
		Code:    "not_a_chat",
		Message: "That is a person, not a group or channel",
		Field:   "chat",
		Hint:    "Enter the @username or t.me link of a group or channel.",
		Status:  http.StatusUnprocessableEntity,
	}
	ErrUnknownUsername = &apperr.Error{
		Code:    "chat_not_found",
		Message: "No group or channel has that username",
		Field:   "chat",
		Hint:    "Check the spelling of the @username or t.me link.",
		Status:  http.StatusNotFound,
	}
	ErrInviteLink = &apperr.Error{
		Code:    "invite_link",
		Message: "Invite links cannot be extracted",
		Field:   "chat",
		Hint:    "Join the chat with the account in Telegram first, then refresh its chats and pick it from the list.",
		Status:  http.StatusUnprocessableEntity,
	}
	ErrAlreadyOver = &apperr.Error{
		Code:    "extraction_over",
		Message: "This extraction has already ended",
		Hint:    "Start a new extraction to fetch the members again.",
		Status:  http.StatusConflict,
	}
	ErrTooManyLists = &apperr.Error{
		Code:    apperr.CodeValidation,
		Message: "Choose at least two lists to merge",
		Field:   "lists",
		Status:  http.StatusUnprocessableEntity,
	}
)
