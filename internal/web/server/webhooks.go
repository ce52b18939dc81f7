package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/inbox"
	"github.com/telegramate/telegramate/internal/medialink"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/webhook"
)

// newWebhooks builds the webhook service, where the domain services send
// their events: campaigns publish in the transaction that records a send,
// the inbox in the one that stores a message (each is announced once,
// whatever crashes), accounts once a health change is stored.
func newWebhooks(st store.Store, keys *secrets.Keyring, queue webhook.Queue, logger *slog.Logger, allowPrivate bool, disableAfter, retain time.Duration) (*webhook.Service, error) {
	if retain == 0 {
		retain = -1 // --retain-webhook-deliveries 0 keeps them
	}
	return webhook.New(webhook.Options{Store: st, Keyring: keys, Queue: queue, Logger: logger, AllowPrivate: allowPrivate,
		DisableAfter: disableAfter, Retention: retain})
}

// accountsToWebhooks is the accounts' health hook: a limit becomes
// account.limited, an ended session account.needs_login.
func accountsToWebhooks(hooks *webhook.Service, logger *slog.Logger) accounts.HealthHook {
	return func(ctx context.Context, a accounts.Account) {
		typ := webhook.AccountLimited
		if a.Status == accounts.StatusNeedsRelogin {
			typ = webhook.AccountNeedsLogin
		}
		data := accountEvent{ID: a.ID, TGUserID: a.TGUserID, Name: a.Name, Username: a.Username, Status: a.Status,
			Detail: a.StatusDetail, At: time.Now().UTC()}
		if err := hooks.Publish(ctx, a.UserID, typ, data); err != nil {
			logger.Error("webhook event not written", slog.String("type", typ), slog.Int64("account", a.ID), slog.Any("err", err))
		}
	}
}

// accountEvent is the object of account.limited and account.needs_login.
type accountEvent struct {
	ID       int64     `json:"id"`
	TGUserID int64     `json:"tg_user_id,omitempty"`
	Name     string    `json:"name"`
	Username string    `json:"username,omitempty"`
	Status   string    `json:"status"`
	Detail   string    `json:"detail,omitempty"`
	At       time.Time `json:"at"`
}

// inboxToWebhooks is the inbox's message hook, inside the transaction
// that stores the message: a message a person wrote to one of the user's
// accounts becomes message.received. An error rolls the message back; it
// is stored, and announced, when Telegram brings it again.
func inboxToWebhooks(hooks *webhook.Service, links *mediaLinks) inbox.MessageTxHook {
	return func(ctx context.Context, tx store.Tx, c inbox.Conversation, m inbox.Message) error {
		if !m.Incoming() {
			return nil
		}
		data := messageEvent{ID: m.ID, ConversationID: c.ID, AccountID: c.AccountID, CampaignID: c.CampaignID,
			From: personEvent{UserID: c.TGUserID, Username: c.Username, FirstName: c.FirstName, LastName: c.LastName},
			Text: m.Text, MessageID: m.TGMessageID, SentAt: m.SentAt.UTC()}
		if c.AssignedTo != 0 {
			data.AssignedTo = &memberEvent{UserID: c.AssignedTo, Email: c.AssignedEmail}
		}
		var err error
		if data.Media, err = mediaOf(c, m, links); err != nil {
			return err
		}
		if err := hooks.PublishTx(ctx, tx, c.UserID, webhook.MessageReceived, data); err != nil {
			return fmt.Errorf("webhook event %s of conversation %d: %w", webhook.MessageReceived, c.ID, err)
		}
		return nil
	}
}

// mediaOf is the media object of a message's photo or file, with a link
// to download it once Telegram has the message; nil for text.
func mediaOf(c inbox.Conversation, m inbox.Message, links *mediaLinks) (*mediaEvent, error) {
	if m.MediaType == "" {
		return nil, nil
	}
	e := &mediaEvent{Type: m.MediaType, MIMEType: m.MediaMIME, Size: m.MediaSize, FileName: m.MediaFileName}
	if m.HasFile() && links != nil {
		url, expires, err := links.of(c, m)
		if err != nil {
			return nil, fmt.Errorf("media link of message %d: %w", m.ID, err)
		}
		e.URL, e.URLExpiresAt = url, &expires
	}
	return e, nil
}

// answersToWebhooks is the inbox's answer hook, inside the transaction
// that records an answer sent: it becomes answer.sent, naming who wrote it
// and carrying its file as message.received does.
func answersToWebhooks(hooks *webhook.Service, links *mediaLinks) inbox.MessageTxHook {
	return func(ctx context.Context, tx store.Tx, c inbox.Conversation, m inbox.Message) error {
		data := answerEvent{ID: m.ID, ConversationID: c.ID, AccountID: c.AccountID, CampaignID: c.CampaignID,
			To:   personEvent{UserID: c.TGUserID, Username: c.Username, FirstName: c.FirstName, LastName: c.LastName},
			Text: m.Text, MessageID: m.TGMessageID, SentAt: m.SentAt.UTC()}
		if m.AnsweredBy != 0 {
			data.AnsweredBy = &memberEvent{UserID: m.AnsweredBy, Email: m.AnsweredByEmail}
		}
		if c.AssignedTo != 0 {
			data.AssignedTo = &memberEvent{UserID: c.AssignedTo, Email: c.AssignedEmail}
		}
		var err error
		if data.Media, err = mediaOf(c, m, links); err != nil {
			return err
		}
		if err := hooks.PublishTx(ctx, tx, c.UserID, webhook.AnswerSent, data); err != nil {
			return fmt.Errorf("webhook event %s of answer %d: %w", webhook.AnswerSent, m.ID, err)
		}
		return nil
	}
}

// answerEvent is the object of answer.sent.
type answerEvent struct {
	ID             int64        `json:"id"`
	ConversationID int64        `json:"conversation_id"`
	AccountID      int64        `json:"account_id"`
	CampaignID     int64        `json:"campaign_id,omitempty"`
	To             personEvent  `json:"to"`
	Text           string       `json:"text"`
	Media          *mediaEvent  `json:"media,omitempty"`
	MessageID      int          `json:"message_id"`
	SentAt         time.Time    `json:"sent_at"`
	AnsweredBy     *memberEvent `json:"answered_by"`
	AssignedTo     *memberEvent `json:"assigned_to"`
}

// messageEvent is the object of message.received.
type messageEvent struct {
	ID             int64       `json:"id"`
	ConversationID int64       `json:"conversation_id"`
	AccountID      int64       `json:"account_id"`
	CampaignID     int64       `json:"campaign_id,omitempty"`
	From           personEvent `json:"from"`
	Text           string      `json:"text"`
	Media          *mediaEvent `json:"media,omitempty"`
	MessageID      int         `json:"message_id"`
	SentAt         time.Time   `json:"sent_at"`
	// AssignedTo is the member the conversation is assigned to; null
	// when unassigned.
	AssignedTo *memberEvent `json:"assigned_to"`
}

// memberEvent is a member of the workspace as events name people.
type memberEvent struct {
	UserID int64  `json:"user_id"`
	Email  string `json:"email"`
}

type personEvent struct {
	UserID    int64  `json:"user_id"`
	Username  string `json:"username,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
}

type mediaEvent struct {
	Type     string `json:"type"`
	MIMEType string `json:"mime_type,omitempty"`
	Size     int64  `json:"size,omitempty"`
	FileName string `json:"file_name,omitempty"`
	// URL downloads the file without a token until URLExpiresAt.
	URL          string     `json:"url,omitempty"`
	URLExpiresAt *time.Time `json:"url_expires_at,omitempty"`
}

// mediaLinks makes the links message.received carries to a message's
// file (medialink), on the address people reach the instance at.
type mediaLinks struct {
	keys *secrets.Keyring
	base string
	ttl  time.Duration
	now  func() time.Time
}

func (l *mediaLinks) of(c inbox.Conversation, m inbox.Message) (string, time.Time, error) {
	expires := l.now().Add(l.ttl).Truncate(time.Second).UTC()
	tok, err := medialink.Seal(l.keys, medialink.Link{WorkspaceID: c.UserID, ConversationID: c.ID, MessageID: m.ID, Expires: expires})
	if err != nil {
		return "", time.Time{}, err
	}
	return l.base + medialink.Path + tok, expires, nil
}

// linkBase is where links point: --base-url, else the address the node
// listens on (a wildcard host named as localhost, for the demo).
func linkBase(baseURL string, addr string) string {
	if baseURL != "" {
		return strings.TrimSuffix(baseURL, "/")
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}
