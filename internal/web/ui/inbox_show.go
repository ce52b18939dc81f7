package ui

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
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
	// Show is how the file is shown: "photo" (its thumbnail, a link to
	// the full size), "video", "audio" (a player), "file" (a download
	// link); "" for media with no file (a location) or none.
	Show string
	// MediaURL serves the file; ThumbURL a photo's small size.
	MediaURL string
	ThumbURL string
	FileName string
	FileSize string
	At       time.Time
	// State is an answer's: pending, sending, sent or failed; "" for
	// other messages.
	State  string
	Reason string
	// By is who wrote an answer from the inbox, or a note; "" for none.
	By string
	// Note marks an internal note of the team: never sent to Telegram.
	Note bool
}

// Waiting reports whether an answer has not left yet.
func (m messageView) Waiting() bool {
	return m.State == store.AnswerPending || m.State == store.AnswerSending
}

func viewMessage(m inbox.Message) messageView {
	v := messageView{ID: m.ID, In: m.Incoming(), Origin: m.Origin, Text: m.Text, HTML: template.HTML(m.Formatted().HTML()), Media: m.MediaLabel(),
		MediaIcon: mediaIcon(m.MediaType), At: m.SentAt, State: m.State, Reason: m.Error, By: m.AnsweredByEmail}
	if v.At.IsZero() {
		v.At = m.CreatedAt
	}
	viewMedia(&v, m)
	return v
}

// viewMedia says how a message's file is shown. A photo is a Telegram
// photo (no file name); a file that only calls itself an image is a
// download, whatever its name says.
func viewMedia(v *messageView, m inbox.Message) {
	if m.TGMessageID == 0 {
		return
	}
	switch m.MediaType {
	case "photo":
		v.Show = "photo"
		if m.MediaFileName != "" {
			v.Show, v.MediaIcon = "file", "paperclip"
		}
	case "video", "video_message", "animation":
		v.Show = "video"
	case "voice", "audio":
		v.Show = "audio"
	case "document", "sticker":
		v.Show = "file"
	default:
		return
	}
	v.MediaURL = "/inbox/" + strconv.FormatInt(m.ConversationID, 10) + "/messages/" + strconv.FormatInt(m.ID, 10) + "/media"
	v.ThumbURL = v.MediaURL + "?variant=thumb"
	v.FileName = m.MediaFileName
	if v.FileName == "" {
		v.FileName = mediaLabelKind(m.MediaType)
	}
	v.FileSize = m.MediaSizeLabel()
}

func mediaLabelKind(kind string) string {
	switch kind {
	case "video_message":
		return "Video message"
	case "voice":
		return "Voice note"
	}
	if kind == "" {
		return "File"
	}
	return strings.ToUpper(kind[:1]) + kind[1:]
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
	// Assignment is the conversation's assignee and the choices.
	Assignment assignmentData
	// Replying says who else is typing an answer ("Ann is replying…").
	Replying string
}

// assignmentData is the assignment block of a conversation.
type assignmentData struct {
	ID         int64
	AssignedTo int64
	Assignee   string // "" when unassigned
	Me         int64
	// CanWrite is false for a viewer: the block only says who has it.
	CanWrite bool
	Options  []option
}

// Mine reports whether the conversation is the viewer's.
func (a assignmentData) Mine() bool { return a.AssignedTo != 0 && a.AssignedTo == a.Me }

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
	// NoteText is a note refused, shown again for correction.
	NoteText string
	// CanWrite is false for a viewer: no reply, note or assignment forms.
	CanWrite bool
	// MaxFile is the largest file an answer attaches ("50 MB"); "" when
	// this instance sends no files (no "Attach a file" then).
	MaxFile string
}

// SyntaxHelp is the formatting guide beside the answer, the campaign
// editor's.
func (conversationData) SyntaxHelp() string { return message.SyntaxHelp() }

// Thread is the live blocks' data.
func (d conversationData) Thread() threadData { return d.threadData }

// thread reads a conversation's page of messages: the newest, or those
// before the cursor.
func (h *Handler) thread(ctx context.Context, r *http.Request, c inbox.Conversation, before string) (threadData, error) {
	uid := workspaceID(r)
	d := threadData{ID: c.ID, Status: c.Status, Person: c.Name(), Account: c.AccountName, Campaign: c.CampaignName}
	page, err := h.Inbox.Messages(ctx, uid, c.ID, before, messagesPerPage)
	if err != nil {
		return d, err
	}
	for _, m := range page.Messages {
		d.Messages = append(d.Messages, viewMessage(m))
	}
	slices.Reverse(d.Messages) // the page is newest first; a thread reads down
	if err := h.threadNotes(ctx, uid, c.ID, page.Next != "", before != "", &d); err != nil {
		return d, err
	}
	if d.Assignment, err = h.assignment(ctx, r, c); err != nil {
		return d, err
	}
	replying, err := h.Inbox.Replying(ctx, c.ID, me(r))
	if err != nil {
		return d, err
	}
	var names []string
	for _, p := range replying {
		names = append(names, p.Email)
	}
	d.Replying = replyingLine(names)
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

// notesPerThread is how many of a conversation's newest notes a thread
// page interleaves with its messages.
const notesPerThread = inbox.MaxLimit

// threadNotes puts the conversation's notes of the page's time span among
// its messages, in time order: a page with older messages before it
// starts at its oldest message, one with newer after it ends at its
// newest.
func (h *Handler) threadNotes(ctx context.Context, uid, id int64, hasOlder, hasNewer bool, d *threadData) error {
	notes, err := h.Inbox.Notes(ctx, uid, id, "", notesPerThread)
	if err != nil {
		return err
	}
	var from, to time.Time
	if len(d.Messages) > 0 {
		from, to = d.Messages[0].At, d.Messages[len(d.Messages)-1].At
	}
	added := false
	for _, n := range notes.Notes {
		if hasOlder && n.CreatedAt.Before(from) || hasNewer && n.CreatedAt.After(to) {
			continue
		}
		d.Messages = append(d.Messages, messageView{ID: n.ID, Note: true, Text: n.Text, HTML: template.HTML(template.HTMLEscapeString(n.Text)),
			At: n.CreatedAt, By: n.Author()})
		added = true
	}
	if added {
		slices.SortStableFunc(d.Messages, func(a, b messageView) int { return a.At.Compare(b.At) })
	}
	return nil
}

// assignment reads the conversation's assignee and, for a member who may
// change it, the members to choose from.
func (h *Handler) assignment(ctx context.Context, r *http.Request, c inbox.Conversation) (assignmentData, error) {
	a := assignmentData{ID: c.ID, AssignedTo: c.AssignedTo, Assignee: c.AssignedEmail, Me: me(r), CanWrite: canWrite(r)}
	if c.AssignedTo != 0 && a.Assignee == "" {
		a.Assignee = "a former member"
	}
	if !a.CanWrite {
		return a, nil
	}
	members, err := h.Inbox.Assignees(ctx, workspaceID(r))
	if err != nil {
		return a, err
	}
	for _, m := range members {
		a.Options = append(a.Options, option{ID: m.UserID, Name: m.Email, Selected: m.UserID == c.AssignedTo})
	}
	return a, nil
}

// GET /inbox/{id} — the thread; opening it marks it read (and loads its
// Telegram history the first time).
func (h *Handler) showConversation(w http.ResponseWriter, r *http.Request) {
	h.renderConversation(w, r, http.StatusOK, "", nil)
}

// renderConversationNote shows the conversation with a refused note's
// text and error.
func (h *Handler) renderConversationNote(w http.ResponseWriter, r *http.Request, text string, err error) {
	if e, ok := apperr.As(err); ok && e.Field == "text" {
		err = e.OnField("note")
	}
	h.renderConversationWith(w, r, 0, "", text, err)
}

// renderConversation shows the conversation, with a refused answer's text
// and error when there is one.
func (h *Handler) renderConversation(w http.ResponseWriter, r *http.Request, status int, text string, answerErr error) {
	h.renderConversationWith(w, r, status, text, "", answerErr)
}

func (h *Handler) renderConversationWith(w http.ResponseWriter, r *http.Request, status int, text, noteText string, answerErr error) {
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
		d.threadData, err = h.thread(r.Context(), r, c, before)
	}
	if err != nil {
		h.renderError(w, r, "error", p, formErr(err))
		return
	}
	d.Avatar, d.AccountID, d.Live, d.Text, d.NoteText, d.CanWrite = avatarOf(c), c.AccountID, before == "", text, noteText, canWrite(r)
	if n := h.Inbox.MaxFileSize(); n > 0 {
		d.MaxFile = strconv.FormatFloat(float64(n)/(1<<20), 'f', -1, 64) + " MB"
	}
	// A form that comes back has no file chosen (browsers do not keep it).
	if d.Preview, err = h.answerPreview(r.Context(), workspaceID(r), c.ID, text, false); err != nil {
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
		d, err := h.thread(ctx, r, c, "")
		if err != nil {
			return liveLook{}, err
		}
		ev, err := h.block("thread", "inbox_show", "conversation-thread", d)
		if err != nil {
			return liveLook{}, err
		}
		st, err := h.block("status", "inbox_show", "conversation-status", d)
		if err != nil {
			return liveLook{}, err
		}
		as, err := h.block("assignment", "inbox_show", "conversation-assignment", d.Assignment)
		if err != nil {
			return liveLook{}, err
		}
		ty, err := h.block("typing", "inbox_show", "conversation-replying", d)
		return liveLook{events: []liveEvent{ev, st, as, ty}}, err
	})
}
