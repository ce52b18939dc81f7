package ui

import (
	"net/http"
	"strings"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/apperr"
)

// helpTopic is one page of the Help section, in the order the index lists
// them: what users read before connecting an account, in our own words.
type helpTopic struct {
	Slug, Title, Lead, Icon string
}

var helpTopics = []helpTopic{
	{"api-credentials", "Setting up your API credentials", "What the API ID and API Hash are, and how to get them from my.telegram.org.", "key"},
	{"troubleshooting", "Troubleshooting", "The errors you may see while connecting an account, and what to do about each.", "life-preserver"},
	{"account-safety", "Keeping your account safe", "A dedicated number, two-step verification, new credentials when in doubt, and an eye on the activity log.", "shield-lock"},
}

// helpEntries are the troubleshooting entries, by the code of the error
// each explains; an error page links its error to its entry.
var helpEntries = map[string]string{
	accounts.ErrInvalidAPICredentials.Code: "/help/troubleshooting#invalid-api-credentials",
	accounts.ErrPhoneInUse.Code:            "/help/troubleshooting#phone-in-use",
	accounts.ErrAuthorizationFailed.Code:   "/help/troubleshooting#authorization-failed",
}

// helpFor is the Help entry that explains the error with this code, "" for
// none (a template function).
func helpFor(code string) string { return helpEntries[code] }

type helpData struct {
	Topics []helpTopic
	Topic  helpTopic
}

// GET /help
func (h *Handler) helpIndex(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "help", &Page{Title: "Help", Nav: "help", Data: helpData{Topics: helpTopics}})
}

// GET /help/{topic}
func (h *Handler) helpTopic(w http.ResponseWriter, r *http.Request) {
	for _, t := range helpTopics {
		if t.Slug == r.PathValue("topic") {
			h.render(w, r, http.StatusOK, "help_"+strings.ReplaceAll(t.Slug, "-", "_"), &Page{Title: t.Title + " · Help", Nav: "help", Data: helpData{Topics: helpTopics, Topic: t}})
			return
		}
	}
	e := apperr.NotFound("Help page")
	e.Hint = "The Help section lists every page."
	h.renderError(w, r, "error", &Page{Title: "Help page not found", Nav: "help"}, e)
}
