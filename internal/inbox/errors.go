package inbox

import (
	"fmt"
	"net/http"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/campaign/message"
)

var (
	errNotFound = &apperr.Error{Code: apperr.CodeNotFound, Message: "Conversation not found",
		Hint: "It may belong to an account that was disconnected, or the link is wrong. Open the inbox to see yours.", Status: http.StatusNotFound}
	errBadCursor = &apperr.Error{Code: apperr.CodeValidation, Message: "The cursor is not one this server gave",
		Hint: "Start from the first page and follow the next cursors.", Field: "cursor", Status: http.StatusUnprocessableEntity}
	errEmptyAnswer = &apperr.Error{Code: apperr.CodeValidation, Message: "Write a message first",
		Hint: "The answer is empty.", Field: "text", Status: http.StatusUnprocessableEntity}
	errAnswerTooLong = &apperr.Error{Code: apperr.CodeValidation, Message: "The message is too long",
		Hint: "Telegram takes at most 4,096 characters; shorten it or send it in two parts.", Field: "text", Status: http.StatusUnprocessableEntity}
)

// errCaptionTooLong refuses the text of an answer with a file past
// Telegram's caption limit (n is its length as Telegram counts).
func errCaptionTooLong(n int) *apperr.Error {
	return &apperr.Error{Code: apperr.CodeValidation, Message: fmt.Sprintf("The message is %d characters long; Telegram allows %d beside a file", n, message.MaxCaptionLength),
		Hint:  fmt.Sprintf("Shorten it by %d characters (an emoji counts as 2), or send the file with a short caption and the rest in a second answer.", n-message.MaxCaptionLength),
		Field: "text", Status: http.StatusUnprocessableEntity}
}

var errNoFileStorage = &apperr.Error{Code: apperr.CodeValidation, Message: "This instance cannot send files",
	Hint: "It was started without file storage; send the answer as text.", Field: "media_id", Status: http.StatusUnprocessableEntity}

func errBadFilter(field, msg string) *apperr.Error {
	return &apperr.Error{Code: apperr.CodeValidation, Message: "The filter is not valid: " + msg,
		Hint: "Correct the filter and try again.", Field: field, Status: http.StatusUnprocessableEntity}
}
