package extract

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/store"
)

// Progress is an extraction as people and API clients see it.
type Progress struct {
	ID           int64      `json:"id"`
	AccountID    int64      `json:"account_id"`
	ListID       int64      `json:"list_id"`
	ChatID       int64      `json:"chat_id"`
	ChatTitle    string     `json:"chat_title"`
	ChatUsername string     `json:"chat_username,omitempty"`
	ChatKind     string     `json:"chat_kind"`
	Search       string     `json:"search,omitempty"`
	Status       string     `json:"status" enum:"queued,running,waiting,completed,failed,cancelled"`
	Fetched      int        `json:"fetched"`
	Total        int        `json:"total"`
	Percent      int        `json:"percent" doc:"0-100; 100 once completed, even when Telegram held members back"`
	Rate         float64    `json:"rate" doc:"Members per second in the current run, or in the last one once finished"`
	Partial      bool       `json:"partial" doc:"Telegram did not list every member (cap or hidden members)"`
	Cap          int        `json:"cap" doc:"Where Telegram's participant cap stopped the list; 0 when it did not"`
	Hidden       bool       `json:"members_hidden" doc:"Telegram shows this account only the chat's admins and bots"`
	Notice       string     `json:"notice,omitempty" doc:"Why the list is partial, in words"`
	WaitUntil    time.Time  `json:"wait_until,omitzero" doc:"While waiting: when Telegram allows the next call"`
	WaitSeconds  int        `json:"wait_seconds,omitempty"`
	Error        *ErrorInfo `json:"error,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	FinishedAt   time.Time  `json:"finished_at,omitzero"`
}

// ErrorInfo is why an extraction failed.
type ErrorInfo struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Hint    string `json:"hint,omitempty"`
}

// ProgressOf describes e at now.
func ProgressOf(e store.Extraction, now time.Time) Progress {
	p := Progress{
		ID: e.ID, AccountID: e.AccountID, ListID: e.ListID, ChatID: e.ChatTGID, ChatTitle: e.ChatTitle,
		ChatUsername: e.ChatUsername, ChatKind: e.ChatKind, Search: e.Search, Status: e.Status,
		Fetched: e.Fetched, Total: max(e.Total, e.Fetched), Partial: e.Partial, Cap: e.Cap, Hidden: e.MembersHidden,
		CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt, FinishedAt: e.FinishedAt,
	}
	switch {
	case e.Status == store.ExtractionCompleted:
		p.Percent = 100
	case p.Total > 0:
		p.Percent = min(99, int(math.Floor(float64(p.Fetched)*100/float64(p.Total))))
	}
	p.Rate = rate(e)
	if e.Status == store.ExtractionWaiting && !e.WaitUntil.IsZero() {
		p.WaitUntil = e.WaitUntil
		p.WaitSeconds = max(0, int(math.Ceil(e.WaitUntil.Sub(now).Seconds())))
	}
	if e.ErrorCode != "" {
		p.Error = &ErrorInfo{Code: e.ErrorCode, Message: e.ErrorMessage, Hint: e.ErrorHint}
	}
	p.Notice = notice(e)
	return p
}

// rate is members per second in the current run, or in the last one once
// the extraction is over (a fast run otherwise ends reporting 0).
func rate(e store.Extraction) float64 {
	if e.RunStartedAt.IsZero() {
		return 0
	}
	end := e.UpdatedAt
	switch {
	case e.Status == store.ExtractionRunning:
	case !e.FinishedAt.IsZero() && e.Status != store.ExtractionQueued && e.Status != store.ExtractionWaiting:
		end = e.FinishedAt
	default:
		return 0
	}
	d := end.Sub(e.RunStartedAt).Seconds()
	if d <= 0 {
		return 0
	}
	return math.Round(float64(e.Fetched-e.RunStartFetched)/d*10) / 10
}

func notice(e store.Extraction) string {
	switch e.Notice {
	case noticeHidden:
		const hidden = "Members of this group are hidden: Telegram shows accounts that are not admins only its admins and bots, "
		if e.Search != "" {
			// The search's count is of the admins and bots it could see,
			// not of the group.
			return fmt.Sprintf(hidden+"so this list holds only those of them matching “%s” (%s).", e.Search, Thousands(e.Fetched))
		}
		return fmt.Sprintf(hidden+"so this list holds %s of its %s members.", Thousands(e.Fetched), Thousands(e.Total))
	case noticeCap:
		what := "members"
		if e.Search != "" {
			what = fmt.Sprintf("members matching “%s”", e.Search)
		}
		n := fmt.Sprintf("Telegram returned %s of %s %s: it lists no more than that to anyone, so the rest cannot be fetched.",
			Thousands(e.Cap), Thousands(e.Total), what)
		if e.Fetched > e.Cap {
			n += fmt.Sprintf(" Its admins and bots come from lists of their own, which bring this list to %s.", Thousands(e.Fetched))
		}
		return n
	}
	return ""
}

// StatusLine is the one-line state under a progress bar.
func (p Progress) StatusLine() string {
	switch p.Status {
	case store.ExtractionQueued:
		return "Queued"
	case store.ExtractionRunning:
		s := fmt.Sprintf("%s of %s members", Thousands(p.Fetched), Thousands(p.Total))
		if p.Rate > 0 {
			s += fmt.Sprintf(" · %s/s", strconv.FormatFloat(p.Rate, 'f', -1, 64))
		}
		return s
	case store.ExtractionWaiting:
		return fmt.Sprintf("Waiting %s for Telegram (until %s) · %s of %s members",
			apperr.FormatWait(time.Duration(p.WaitSeconds)*time.Second), p.WaitUntil.UTC().Format("15:04:05 UTC"),
			Thousands(p.Fetched), Thousands(p.Total))
	case store.ExtractionCompleted:
		return fmt.Sprintf("Done · %s members", Thousands(p.Fetched))
	case store.ExtractionCancelled:
		return fmt.Sprintf("Cancelled · %s members saved", Thousands(p.Fetched))
	case store.ExtractionFailed:
		if p.Error != nil {
			return "Failed: " + p.Error.Message
		}
		return "Failed"
	}
	return p.Status
}

// Final reports whether the extraction will not change any more.
func (p Progress) Final() bool {
	return p.Status == store.ExtractionCompleted || p.Status == store.ExtractionFailed || p.Status == store.ExtractionCancelled
}

// Thousands writes n with comma separators: 25000 → "25,000".
func Thousands(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}
