package ui

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/campaign/message"
	"github.com/telegramate/telegramate/internal/inbox"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
)

// messagesPerPage is how much of a thread one page shows.
const messagesPerPage = 50

// messageView is one message of a thread.
type messageView struct {
	ID     int64
	In     bool
	Origin string
	Text   string
	// HTML is Text with its formatting (bold, links, code, …) as tags,
	// the text escaped (message.Rendered.HTML).
	HTML      template.HTML
	Media     string // the placeholder's label: "Photo, 1.2 MB"; "" for none
	MediaIcon string
	At        time.Time
	// State is an answer's: pending, sending, sent or failed; "" for
	// other messages.
	State  string
	Reason string
}

// Waiting reports whether an answer has not left yet.
func (m messageView) Waiting() bool {
	return m.State == store.AnswerPending || m.State == store.AnswerSending
}

func viewMessage(m inbox.Message) messageView {
	v := messageView{ID: m.ID, In: m.Incoming(), Origin: m.Origin, Text: m.Text, HTML: template.HTML(m.Formatted().HTML()), Media: m.MediaLabel(),
		MediaIcon: mediaIcon(m.MediaType), At: m.SentAt, State: m.State, Reason: m.Error}
	if v.At.IsZero() {
		v.At = m.CreatedAt
	}
	return v
}

func mediaIcon(kind string) string {
	switch kind {
	case "":
		return ""
	case "photo":
		return "image"
	case "video", "video_note", "gif":
		return "film"
	case "voice", "audio":
		return "mic"
	case "sticker":
		return "emoji-smile"
	case "contact":
		return "person-vcard"
	case "location", "venue", "geo":
		return "geo-alt"
	}
	return "paperclip"
}

// threadData is the live part of a conversation's page: its status and
// controls, and the thread.
type threadData struct {
	ID       int64
	Status   string
	Person   string
	Account  string
	Campaign string
	Messages []messageView // oldest first
	// EarlierURL is the page of older messages; "" when there are none.
	EarlierURL template.URL
	LaterURL   template.URL
	// CanAnswer is false when the account cannot send at all
	// (disconnected): the page says so instead of a reply box.
	CanAnswer bool
	// Notice says why answers wait (a FLOOD_WAIT, a limit, a lost login).
	Notice *apperr.Error
}

// Done reports whether the conversation is marked done.
func (d threadData) Done() bool { return d.Status == store.ConversationDone }

// conversationData is the whole conversation page.
type conversationData struct {
	threadData
	Avatar    avatar
	Username  string
	AccountID int64
	// Live streams the thread's changes (on its newest page).
	Live bool
	// Text is an answer refused, shown again for correction.
	Text string
	// Preview is Text as the person will read it.
	Preview previewData
}

// SyntaxHelp is the formatting guide beside the answer, the campaign
// editor's.
func (conversationData) SyntaxHelp() string { return message.SyntaxHelp() }

// Thread is the live blocks' data.
func (d conversationData) Thread() threadData { return d.threadData }

// thread reads a conversation's page of messages: the newest, or those
// before the cursor.
func (h *Handler) thread(ctx context.Context, uid int64, c inbox.Conversation, before string) (threadData, error) {
	d := threadData{ID: c.ID, Status: c.Status, Person: c.Name(), Account: c.AccountName, Campaign: c.CampaignName}
	page, err := h.Inbox.Messages(ctx, uid, c.ID, before, messagesPerPage)
	if err != nil {
		return d, err
	}
	for _, m := range page.Messages {
		d.Messages = append(d.Messages, viewMessage(m))
	}
	slices.Reverse(d.Messages) // the page is newest first; a thread reads down
	if page.Next != "" {
		d.EarlierURL = template.URL("/inbox/" + strconv.FormatInt(c.ID, 10) + "?" + url.Values{"before": {page.Next}}.Encode())
	}
	if before != "" {
		d.LaterURL = template.URL("/inbox/" + strconv.FormatInt(c.ID, 10))
	}
	acct, err := h.AccountService.Get(ctx, uid, c.AccountID)
	switch {
	case err == nil:
		d.Account = acct.Name
		d.CanAnswer = acct.Status != accounts.StatusDisconnected && acct.Status != accounts.StatusPending
		d.Notice = acct.ProblemFor([]telegram.CallKind{telegram.KindSend}, time.Now())
	default:
		if e, ok := apperr.As(err); !ok || e.HTTPStatus() != http.StatusNotFound {
			return d, err
		}
	}
	if d.Account == "" {
		d.Account = "a disconnected account"
	}
	return d, nil
}

// GET /inbox/{id} — the thread; opening it marks it read (and loads its
// Telegram history the first time).
func (h *Handler) showConversation(w http.ResponseWriter, r *http.Request) {
	h.renderConversation(w, r, http.StatusOK, "", nil)
}

// renderConversation shows the conversation, with a refused answer's text
// and error when there is one.
func (h *Handler) renderConversation(w http.ResponseWriter, r *http.Request, status int, text string, answerErr error) {
	p := &Page{Title: "Conversation", Nav: "inbox"}
	id, err := pathID(r, "Conversation")
	var c inbox.Conversation
	if err == nil {
		c, err = h.Inbox.Open(r.Context(), workspaceID(r), id)
	}
	var d conversationData
	before := r.URL.Query().Get("before")
	if r.Method != http.MethodGet {
		before = ""
	}
	if err == nil {
		d.threadData, err = h.thread(r.Context(), workspaceID(r), c, before)
	}
	if err != nil {
		h.renderError(w, r, "error", p, formErr(err))
		return
	}
	d.Avatar, d.AccountID, d.Live, d.Text = avatarOf(c), c.AccountID, before == "", text
	if d.Preview, err = h.answerPreview(r.Context(), workspaceID(r), c.ID, text); err != nil {
		h.renderError(w, r, "error", p, formErr(err))
		return
	}
	if c.FirstName != "" || c.LastName != "" {
		d.Username = c.Username
	}
	p.Title, p.Data = c.Name(), d
	if answerErr != nil {
		h.renderError(w, r, "inbox_show", p, answerErr)
		return
	}
	h.render(w, r, status, "inbox_show", p)
}

// GET /inbox/{id}/events — "thread" events with the conversation's status
// and newest messages whenever they change. Messages that arrive while the
// page is open count as read.
func (h *Handler) conversationEvents(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "Conversation")
	if err == nil {
		_, err = h.Inbox.Get(r.Context(), workspaceID(r), id)
	}
	if err != nil {
		http.Error(w, "Not found", http.StatusNotFound)
		return
	}
	events, stop := h.Inbox.Subscribe(workspaceID(r))
	defer stop()
	h.streamLive(w, r, "conversation", inboxPoll, wakeOn(r.Context(), events, id), func(ctx context.Context) (liveLook, error) {
		c, err := h.Inbox.Get(ctx, workspaceID(r), id)
		if err != nil {
			return liveLook{}, err
		}
		if c.Unread > 0 {
			if err := h.Inbox.MarkRead(ctx, workspaceID(r), id); err != nil {
				return liveLook{}, err
			}
		}
		d, err := h.thread(ctx, workspaceID(r), c, "")
		if err != nil {
			return liveLook{}, err
		}
		ev, err := h.block("thread", "inbox_show", "conversation-thread", d)
		if err != nil {
			return liveLook{}, err
		}
		st, err := h.block("status", "inbox_show", "conversation-status", d)
		return liveLook{events: []liveEvent{ev, st}}, err
	})
}
