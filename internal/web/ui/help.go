package ui

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"sync"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"

	"github.com/telegramate/telegramate/docs"

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
	{"webhooks", "Webhooks", "What your endpoint receives for each event, how it is signed, and how to check the signature.", "broadcast"},
}

// webhooksHelp is docs/webhooks.md as HTML, the repository's document
// itself: its title is the page's, its sections start at h2.
var webhooksHelp = sync.OnceValues(func() (template.HTML, error) {
	src := docs.Webhooks
	if first, rest, ok := bytes.Cut(src, []byte("\n")); ok && bytes.HasPrefix(first, []byte("# ")) {
		src = rest
	}
	var out bytes.Buffer
	md := goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithParserOptions(parser.WithAutoHeadingID()))
	if err := md.Convert(src, &out); err != nil {
		return "", fmt.Errorf("render docs/webhooks.md: %w", err)
	}
	// A code block that scrolls sideways on a phone must be reachable by
	// keyboard (WCAG 2.1.1; axe's scrollable-region-focusable).
	html := strings.ReplaceAll(out.String(), "<pre>", `<pre tabindex="0">`)
	// The document is ours, embedded at build, and goldmark leaves raw
	// HTML out: nothing here comes from a user.
	return template.HTML(html), nil // #nosec G203
})

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
	// Body is a topic's text when it comes from a document (Webhooks).
	Body template.HTML
}

// GET /help
func (h *Handler) helpIndex(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "help", &Page{Title: "Help", Nav: "help", Data: helpData{Topics: helpTopics}})
}

// GET /help/{topic}
func (h *Handler) helpTopic(w http.ResponseWriter, r *http.Request) {
	for _, t := range helpTopics {
		if t.Slug == r.PathValue("topic") {
			d := helpData{Topics: helpTopics, Topic: t}
			if t.Slug == "webhooks" {
				body, err := webhooksHelp()
				if err != nil {
					h.renderError(w, r, "error", &Page{Title: "Help", Nav: "help"}, err)
					return
				}
				d.Body = body
			}
			h.render(w, r, http.StatusOK, "help_"+strings.ReplaceAll(t.Slug, "-", "_"), &Page{Title: t.Title + " · Help", Nav: "help", Data: d})
			return
		}
	}
	e := apperr.NotFound("Help page")
	e.Hint = "The Help section lists every page."
	h.renderError(w, r, "error", &Page{Title: "Help page not found", Nav: "help"}, e)
}
