package ui

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/extract"
	"github.com/telegramate/telegramate/internal/store"
)

// rejected is a member-list view parameter that was not valid and left out.
type rejected struct {
	Field string // the query parameter; "" when the domain did not say
	Value string
	Err   *apperr.Error
}

// parseView reads the view's filters from q, deleting from q each
// parameter extract.ParseFilter refuses, until the rest parses.
func parseView(q url.Values, now time.Time) (store.MemberFilter, []rejected) {
	var bad []rejected
	for {
		f, err := extract.ParseFilter(q, now)
		if err == nil {
			return f, bad
		}
		e, _ := apperr.As(err)
		if e == nil || e.Field == "" || !q.Has(e.Field) {
			// No parameter to blame: show the whole list.
			bad = append(bad, rejected{Err: e})
			clear(q)
			f, _ := extract.ParseFilter(q, now)
			return f, bad
		}
		bad = append(bad, rejected{Field: e.Field, Value: q.Get(e.Field), Err: e})
		q.Del(e.Field)
	}
}

// viewParams are the filter form's parameters in the user's words: the
// label the form shows and the values it takes.
var viewParams = map[string]struct{ label, rule string }{
	extract.ParamSort:           {"Sort by", "Sort by must be order fetched, name, username or last seen"},
	extract.ParamOrder:          {"Order", "Order must be ascending or descending"},
	extract.ParamSeenWithin:     {"Last seen", "Last seen must be a number of days, from 1 to 3650"},
	extract.ParamSearch:         {"Search", ""}, // extract's message says the limit
	extract.ParamExcludeBots:    {"Exclude bots", "Exclude bots must be on or off"},
	extract.ParamExcludeDeleted: {"Exclude deleted accounts", "Exclude deleted accounts must be on or off"},
	extract.ParamHasUsername:    {"Has a username", "Has a username must be on or off"},
	extract.ParamAdminsOnly:     {"Admins only", "Admins only must be on or off"},
	extract.ParamPremium:        {"Premium", "Premium must be on or off"},
	"after":                     {"Page link", "This page link is not valid"},
	"at":                        {"Page position", "This page link's position is not valid"},
}

// viewError says which parameters of the link were left out and why; it
// belongs to the filter form ("filters"), above which the page shows it.
func viewError(bad []rejected) *apperr.Error {
	e := &apperr.Error{Code: apperr.CodeValidation, Field: "filters", Status: http.StatusUnprocessableEntity}
	if len(bad) == 1 {
		b := bad[0]
		param, known := viewParams[b.Field]
		switch {
		case b.Field == "after":
			e.Message = param.rule
			e.Hint = "It may come from an older view of this list. The list below starts again from the first page."
		case b.Field == "at":
			e.Message = param.rule
			e.Hint = "It may come from an older view of this list. The members below are that page's, without their place in the list; go to the first page to page through it again."
		case known && param.rule == "" && b.Err != nil:
			e.Message = b.Err.Message
			e.Hint = "The search was left out, so the list below is shown without it. Shorten it and click Apply."
		case known:
			e.Message = param.rule + fmt.Sprintf(", not “%s”", shorten(b.Value))
			e.Hint = "That filter was left out, so the list below is shown without it. Choose again above and click Apply."
		default:
			e.Message = "The filters in this link are not valid"
			if b.Err != nil {
				e.Message = b.Err.Message
			}
			e.Hint = "The filters were reset, so the list below shows every member. Choose again above and click Apply."
		}
		return e
	}
	var labels []string
	for _, b := range bad {
		label := b.Field
		if p, ok := viewParams[b.Field]; ok {
			label = p.label
		}
		labels = append(labels, label)
	}
	e.Message = "Some filters in this link are not valid: " + strings.Join(labels, ", ")
	e.Hint = "They were left out, so the list below is shown without them. Choose again above and click Apply."
	return e
}

// shorten keeps a value from a link short enough to quote.
func shorten(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max]) + "…"
}
