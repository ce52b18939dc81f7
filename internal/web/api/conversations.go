package api

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/inbox"
	"github.com/telegramate/telegramate/internal/web/auth"
)

// Conversation is a private chat of one of the user's accounts with one
// person, as the API shows it.
type Conversation struct {
	ID          int64               `json:"id"`
	Account     ConversationAccount `json:"account"`
	Person      ConversationPerson  `json:"person"`
	LastMessage ConversationLast    `json:"last_message"`
	Unread      int                 `json:"unread" doc:"Messages from the person not read yet"`
	Status      string              `json:"status" enum:"open,done"`
	Campaign    *ConversationCamp   `json:"campaign,omitempty" doc:"The campaign whose message the person answered; absent when they wrote first"`
	AssignedTo  *Person             `json:"assigned_to" doc:"The member the conversation is assigned to; null when unassigned"`
	CreatedAt   time.Time           `json:"created_at"`
}

// Person is a member of the workspace as the product names people: their
// user id and email.
type Person struct {
	UserID int64  `json:"user_id"`
	Email  string `json:"email"`
}

// Schema documents a Person as an object that is null when there is no
// one (unassigned, not an answer): huma cannot mark a field that refers to
// an object nullable, so the object says it.
func (Person) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeObject, Nullable: true, AdditionalProperties: false,
		Description: "A member of the workspace; null when there is none",
		Properties: map[string]*huma.Schema{
			"user_id": {Type: huma.TypeInteger, Format: "int64"},
			"email":   {Type: huma.TypeString, Description: "Empty when the person's account was deleted"},
		},
		Required: []string{"user_id", "email"}}
}

type ConversationAccount struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Username string `json:"username,omitempty"`
}

type ConversationPerson struct {
	UserID   int64  `json:"user_id" doc:"Their Telegram user id"`
	Name     string `json:"name"`
	Username string `json:"username,omitempty"`
	Initial  string `json:"initial" doc:"The letter of their avatar"`
}

type ConversationLast struct {
	Text string    `json:"text" doc:"The text, or [photo], [video], … for media without a caption"`
	Out  bool      `json:"out" doc:"Sent by the account (a campaign, an answer, or its own apps)"`
	At   time.Time `json:"at"`
}

type ConversationCamp struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// ConversationMessage is one message of a conversation.
type ConversationMessage struct {
	ID                int64      `json:"id"`
	Direction         string     `json:"direction" enum:"in,out"`
	Origin            string     `json:"origin" enum:"person,campaign,answer,app" doc:"Who wrote it: the person, a campaign, an answer from the inbox, or the account's own Telegram apps"`
	Text              string     `json:"text"`
	Media             *MediaInfo `json:"media,omitempty" doc:"A photo or file, shown as a placeholder; absent for text"`
	Date              time.Time  `json:"date"`
	TelegramMessageID int        `json:"telegram_message_id,omitempty" doc:"0 until an answer is sent"`
	State             string     `json:"state,omitempty" enum:"pending,sending,sent,failed" doc:"An answer's state"`
	Error             *Problem   `json:"error,omitempty" doc:"Why an answer failed, or why it waits"`
	AnsweredBy        *Person    `json:"answered_by" doc:"The member who wrote an answer from the inbox; null for other messages (and answers written before teams)"`
}

// Note is an internal note of a conversation: its team reads it in the
// thread; it never goes to Telegram.
type Note struct {
	ID        int64     `json:"id"`
	Text      string    `json:"text"`
	Author    *Person   `json:"author" doc:"null when the author's account was deleted"`
	CreatedAt time.Time `json:"created_at"`
}

type MediaInfo struct {
	Type  string `json:"type" example:"photo"`
	Size  int64  `json:"size" doc:"Bytes; 0 when Telegram did not say"`
	Label string `json:"label" example:"Photo, 338 KB"`
	// An answer's attachment names its stored file.
	FileID   int64  `json:"file_id,omitempty" doc:"The stored file an answer attaches (POST /api/v1/media)"`
	FileName string `json:"file_name,omitempty" doc:"The name of the file an answer attaches"`
}

type Problem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func conversationBody(c inbox.Conversation) Conversation {
	out := Conversation{
		ID:          c.ID,
		Account:     ConversationAccount{ID: c.AccountID, Name: c.AccountName, Username: c.AccountUsername},
		Person:      ConversationPerson{UserID: c.TGUserID, Name: c.Name(), Username: c.Username, Initial: c.Initial()},
		LastMessage: ConversationLast{Text: c.LastMessageText, Out: c.LastMessageOut, At: c.LastMessageAt.UTC()},
		Unread:      c.Unread,
		Status:      c.Status,
		CreatedAt:   c.CreatedAt.UTC(),
	}
	if c.CampaignID != 0 {
		out.Campaign = &ConversationCamp{ID: c.CampaignID, Name: c.CampaignName}
	}
	if c.AssignedTo != 0 {
		out.AssignedTo = &Person{UserID: c.AssignedTo, Email: c.AssignedEmail}
	}
	return out
}

func noteBody(n inbox.Note) Note {
	out := Note{ID: n.ID, Text: n.Text, CreatedAt: n.CreatedAt.UTC()}
	if n.AuthorID != 0 {
		out.Author = &Person{UserID: n.AuthorID, Email: n.AuthorEmail}
	}
	return out
}

func messageBody(m inbox.Message) ConversationMessage {
	out := ConversationMessage{ID: m.ID, Direction: m.Direction, Origin: m.Origin, Text: m.Text, Date: m.SentAt.UTC(),
		TelegramMessageID: m.TGMessageID, State: m.State}
	if m.MediaType != "" {
		out.Media = &MediaInfo{Type: m.MediaType, Size: m.MediaSize, Label: m.MediaLabel(), FileID: m.MediaFileID, FileName: m.MediaFileName}
	}
	if m.ErrorCode != "" {
		out.Error = &Problem{Code: m.ErrorCode, Message: m.Error}
	}
	if m.AnsweredBy != 0 {
		out.AnsweredBy = &Person{UserID: m.AnsweredBy, Email: m.AnsweredByEmail}
	}
	return out
}

type listConversationsIn struct {
	AccountID  int64  `query:"account_id" doc:"Only this account's conversations"`
	CampaignID int64  `query:"campaign_id" doc:"Only conversations started by this campaign"`
	Unread     bool   `query:"unread" doc:"Only conversations with unread messages"`
	Status     string `query:"status" enum:"open,done,all" doc:"Only open, or only done, conversations; all (the default, as in the inbox's \"open and done\") both"`
	Q          string `query:"q" maxLength:"100" doc:"Search names, usernames and message text"`
	Assigned   string `query:"assigned" enum:"all,mine,unassigned" doc:"Only conversations assigned to you (the token's member), or to nobody; all (the default) any"`
	Cursor     string `query:"cursor" doc:"next_cursor of the previous page"`
	Limit      int    `query:"limit" minimum:"0" maximum:"200" doc:"Page size (default 50)"`
}

type conversationsOut struct {
	Body struct {
		Conversations []Conversation `json:"conversations"`
		NextCursor    string         `json:"next_cursor" doc:"Pass as cursor for the next page; empty on the last page"`
	}
}

type conversationIDIn struct {
	ID int64 `path:"id" doc:"The conversation's id"`
}

type conversationOut struct{ Body Conversation }

type listMessagesIn struct {
	ID     int64  `path:"id" doc:"The conversation's id"`
	Cursor string `query:"cursor" doc:"next_cursor of the previous (newer) page"`
	Limit  int    `query:"limit" minimum:"0" maximum:"200" doc:"Page size (default 50)"`
}

type messagesOut struct {
	Body struct {
		Messages   []ConversationMessage `json:"messages" doc:"Newest first"`
		NextCursor string                `json:"next_cursor" doc:"Pass as cursor for older messages; empty when there are none"`
	}
}

type answerIn struct {
	ID   int64 `path:"id" doc:"The conversation's id"`
	Body struct {
		Text    string `json:"text" required:"false" doc:"The answer, sent as the conversation's account, written as a campaign's message: **bold**, __italic__, [text](https://…), code in backticks, a backslash before a mark to show it as typed, and {first_name|fallback} placeholders filled in for the person; at most 4,096 characters once rendered, or 1,024 as the caption of a file; may be empty when media_id is given"`
		MediaID int64  `json:"media_id,omitempty" doc:"A file of the workspace's (its id from POST /api/v1/media) sent with the text as its caption, exactly once as the text is"`
	}
}

type messageOut struct{ Body ConversationMessage }

type assignIn struct {
	ID   int64 `path:"id" doc:"The conversation's id"`
	Body struct {
		UserID *int64 `json:"user_id" required:"true" nullable:"true" doc:"The member to assign it to (an operator, admin or owner of the workspace), or null to unassign it"`
	}
}

type noteIn struct {
	ID   int64 `path:"id" doc:"The conversation's id"`
	Body struct {
		Text string `json:"text" doc:"The note, at most 4,096 characters; only the workspace's members read it"`
	}
}

type noteOut struct{ Body Note }

type listNotesIn struct {
	ID     int64  `path:"id" doc:"The conversation's id"`
	Cursor string `query:"cursor" doc:"next_cursor of the previous (newer) page"`
	Limit  int    `query:"limit" minimum:"0" maximum:"200" doc:"Page size (default 50)"`
}

type notesOut struct {
	Body struct {
		Notes      []Note `json:"notes" doc:"Newest first"`
		NextCursor string `json:"next_cursor" doc:"Pass as cursor for older notes; empty when there are none"`
	}
}

// registerConversations lists the inbox endpoints; each is a method below.
func (a *API) registerConversations() {
	if a.deps.Inbox == nil {
		return
	}
	op := operation("Inbox")
	huma.Register(a.huma, op("list-conversations", http.MethodGet, "/conversations",
		"Private conversations of all your accounts, newest message first, a page at a time", 0), a.listConversations)
	huma.Register(a.huma, op("list-conversation-messages", http.MethodGet, "/conversations/{id}/messages",
		"A conversation's messages, newest first; the first page loads Telegram's history the first time and marks the conversation read", 0), a.listConversationMessages)
	huma.Register(a.huma, op("answer-conversation", http.MethodPost, "/conversations/{id}/messages",
		"Answer as the conversation's account: the answer is stored (pending) and sent exactly once", http.StatusCreated), a.answerConversation)
	media := op("get-conversation-message-media", http.MethodGet, "/conversations/{id}/messages/{message_id}/media",
		"The photo or file of a message a person sent: fetched from Telegram through the conversation's account on its first view, then from the instance's cache", 0)
	media.Description = "The bytes, with Content-Type decided from them (not from the sender's claim) and X-Content-Type-Options: nosniff. " +
		"A photo, video, voice note or audio whose bytes are one is sent inline; anything else (documents, and a file whose bytes " +
		"do not match what it says it is) with Content-Disposition: attachment and its file name. variant=thumb is a photo's small size. " +
		"404 not_found when the message has no photo or file; a Telegram failure answers 502, a flood wait 429 with Retry-After."
	media.Responses = map[string]*huma.Response{"200": {Description: "The file", Headers: map[string]*huma.Param{
		"Content-Disposition":    {Description: "inline for a photo, video or voice note; attachment with the file name for anything else", Schema: &huma.Schema{Type: huma.TypeString}},
		"X-Content-Type-Options": {Description: "Always nosniff", Schema: &huma.Schema{Type: huma.TypeString}},
	}, Content: map[string]*huma.MediaType{
		"*/*": {Schema: &huma.Schema{Type: huma.TypeString, Description: "The file's bytes, under the type its bytes show (image/jpeg, video/mp4, audio/ogg, application/pdf, …)"}},
	}}}
	huma.Register(a.huma, media, a.conversationMessageMedia)
	huma.Register(a.huma, op("done-conversation", http.MethodPost, "/conversations/{id}/done",
		"Mark a conversation done; a new message from the person opens it again", 0), a.doneConversation)
	huma.Register(a.huma, op("reopen-conversation", http.MethodPost, "/conversations/{id}/reopen", "Open a done conversation again", 0), a.reopenConversation)
	huma.Register(a.huma, op("assign-conversation", http.MethodPost, "/conversations/{id}/assign",
		"Assign a conversation to a member of the workspace who can answer (operator or above), or unassign it with null; 422 not_a_member for anyone else", 0), a.assignConversation)
	huma.Register(a.huma, op("list-conversation-notes", http.MethodGet, "/conversations/{id}/notes",
		"A conversation's internal notes, newest first (notes are not in the messages list)", 0), a.listConversationNotes)
	huma.Register(a.huma, op("add-conversation-note", http.MethodPost, "/conversations/{id}/notes",
		"Write an internal note in a conversation's thread: the workspace's members read it; it never goes to Telegram", http.StatusCreated), a.addConversationNote)
}

// GET /conversations
func (a *API) listConversations(ctx context.Context, in *listConversationsIn) (*conversationsOut, error) {
	status := in.Status
	if status == "all" {
		// The inbox's own links say status=all for "open and done".
		status = ""
	}
	assigned := in.Assigned
	if assigned == "all" {
		assigned = inbox.AssignedAll
	}
	page, err := a.deps.Inbox.List(ctx, auth.WorkspaceID(ctx), inbox.Filter{AccountID: in.AccountID, CampaignID: in.CampaignID,
		Unread: in.Unread, Status: status, Search: in.Q, Assigned: assigned, Cursor: in.Cursor, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	out := &conversationsOut{}
	out.Body.Conversations = make([]Conversation, 0, len(page.Conversations))
	for _, c := range page.Conversations {
		out.Body.Conversations = append(out.Body.Conversations, conversationBody(c))
	}
	out.Body.NextCursor = page.Next
	return out, nil
}

// GET /conversations/{id}/messages
func (a *API) listConversationMessages(ctx context.Context, in *listMessagesIn) (*messagesOut, error) {
	userID := auth.WorkspaceID(ctx)
	if in.Cursor == "" {
		if _, err := a.deps.Inbox.Open(ctx, userID, in.ID); err != nil {
			return nil, err
		}
	}
	page, err := a.deps.Inbox.Messages(ctx, userID, in.ID, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &messagesOut{}
	out.Body.Messages = make([]ConversationMessage, 0, len(page.Messages))
	for _, m := range page.Messages {
		out.Body.Messages = append(out.Body.Messages, messageBody(m))
	}
	out.Body.NextCursor = page.Next
	return out, nil
}

// POST /conversations/{id}/messages
func (a *API) answerConversation(ctx context.Context, in *answerIn) (*messageOut, error) {
	m, err := a.deps.Inbox.AnswerFile(ctx, auth.WorkspaceID(ctx), in.ID, in.Body.Text, in.Body.MediaID)
	if err != nil {
		return nil, err
	}
	return &messageOut{Body: messageBody(m)}, nil
}

type messageMediaIn struct {
	ID        int64  `path:"id" doc:"The conversation's id"`
	MessageID int64  `path:"message_id" doc:"The message's id (id in the messages list)"`
	Variant   string `query:"variant" enum:"thumb,full" default:"full" doc:"thumb: a photo's small size (for a preview); full: the file itself"`
}

// GET /conversations/{id}/messages/{message_id}/media
func (a *API) conversationMessageMedia(ctx context.Context, in *messageMediaIn) (*huma.StreamResponse, error) {
	// Fetched (or opened in the cache) before the answer starts: a
	// refusal still has its status.
	f, err := a.deps.Inbox.Media(ctx, auth.WorkspaceID(ctx), in.ID, in.MessageID, in.Variant)
	if err != nil {
		return nil, err
	}
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		h := http.Header{}
		f.Header(h)
		for k := range h {
			hctx.SetHeader(k, h.Get(k))
		}
		hctx.SetStatus(http.StatusOK)
		if _, err := io.Copy(hctx.BodyWriter(), f.Body); err != nil {
			auth.NoteError(hctx.Context(), err)
		}
	}}, nil
}

// POST /conversations/{id}/done
func (a *API) doneConversation(ctx context.Context, in *conversationIDIn) (*conversationOut, error) {
	return conversationResult(a.deps.Inbox.Done(ctx, auth.WorkspaceID(ctx), in.ID))
}

// POST /conversations/{id}/reopen
func (a *API) reopenConversation(ctx context.Context, in *conversationIDIn) (*conversationOut, error) {
	return conversationResult(a.deps.Inbox.Reopen(ctx, auth.WorkspaceID(ctx), in.ID))
}

// POST /conversations/{id}/assign
func (a *API) assignConversation(ctx context.Context, in *assignIn) (*conversationOut, error) {
	var who int64
	if in.Body.UserID != nil {
		if who = *in.Body.UserID; who <= 0 {
			return nil, &apperr.Error{Code: apperr.CodeValidation, Message: "user_id is a member's user id, or null",
				Hint: "List the members with GET /workspaces/{id}/members.", Field: "user_id", Status: http.StatusUnprocessableEntity}
		}
	}
	return conversationResult(a.deps.Inbox.Assign(ctx, auth.WorkspaceID(ctx), in.ID, who))
}

// GET /conversations/{id}/notes
func (a *API) listConversationNotes(ctx context.Context, in *listNotesIn) (*notesOut, error) {
	page, err := a.deps.Inbox.Notes(ctx, auth.WorkspaceID(ctx), in.ID, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &notesOut{}
	out.Body.Notes = make([]Note, 0, len(page.Notes))
	for _, n := range page.Notes {
		out.Body.Notes = append(out.Body.Notes, noteBody(n))
	}
	out.Body.NextCursor = page.Next
	return out, nil
}

// POST /conversations/{id}/notes
func (a *API) addConversationNote(ctx context.Context, in *noteIn) (*noteOut, error) {
	n, err := a.deps.Inbox.AddNote(ctx, auth.WorkspaceID(ctx), in.ID, in.Body.Text)
	if err != nil {
		return nil, err
	}
	return &noteOut{Body: noteBody(n)}, nil
}

func conversationResult(c inbox.Conversation, err error) (*conversationOut, error) {
	if err != nil {
		return nil, err
	}
	return &conversationOut{Body: conversationBody(c)}, nil
}
