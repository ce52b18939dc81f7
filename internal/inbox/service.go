// Package inbox brings every private conversation of every connected
// Telegram account of a user into one list, keeps it up to date from
// Telegram's updates, and answers as the right account, exactly once.
//
// Messages arrive two ways, both stored once by their Telegram id: the
// account runtime's updates (pushed, or read with getDifference after a
// gap or a restart; listen.go), and the history Telegram gives when a
// conversation is first opened. This package owns them: it applies
// opt-outs and tells the campaigns of replies (Options.Replies).
//
// An answer is an outbox row whose random_id is committed before it is
// sent; a River job per account sends the account's answers and, after a
// crash, sends an interrupted one again with the same random_id, which
// Telegram de-duplicates (as the campaign engine does).
package inbox

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"strings"
	"sync"

	"golang.org/x/sync/singleflight"
	"time"

	"github.com/gotd/td/tg"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/telegramate/telegramate/internal/campaign/message"
	"github.com/telegramate/telegramate/internal/media"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
)

// Accounts is what the inbox needs of the user's Telegram accounts;
// *accounts.Service implements it.
type Accounts interface {
	Use(ctx context.Context, userID, accountID int64, fn func(ctx context.Context, api *tg.Client) error, opts ...telegram.RunOption) error
	Usable(ctx context.Context, userID, accountID int64) error
}

// Replies hears of every message a person writes to an account, once,
// in the transaction that stores it: the campaigns count it as a reply
// to their delivery. *campaign.Service
// implements it.
type Replies interface {
	Replied(ctx context.Context, tx store.Tx, accountID, tgUserID int64, text string, at time.Time) error
}

// Queue is the part of River's client the service uses.
type Queue interface {
	InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Options are a Service's parts and settings.
type Options struct {
	// Queue enqueues the service's jobs: an insert-only River client, so
	// that the client that works them can be built after the services
	// whose workers it runs.
	Queue    Queue
	Store    Store
	Accounts Accounts
	// Replies, when set, is told of every incoming message.
	Replies Replies
	Logger  *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// OptOutKeywords are the incoming messages that put the person on the
	// suppression list (none: the defaults, message.IsOptOut).
	OptOutKeywords []string
	// Lag, when set, hears how long each message a person wrote took from
	// its date at Telegram to being stored here (the inbox lag metric).
	Lag func(time.Duration)
	// ReadOnTelegram marks a conversation read on Telegram too
	// (messages.readHistory) when it is read in the product.
	ReadOnTelegram bool
	// Media stores and sends the files answers attach; nil refuses an
	// answer with a file.
	Media *media.Service
	// MediaCacheSize caps the bytes of incoming photos and files kept
	// after their first view (default DefaultMediaCacheSize); the ones
	// viewed least recently go first.
	MediaCacheSize int64
}

// Service is the inbox. It is safe for concurrent use.
type Service struct {
	st  Store
	acc Accounts
	log *slog.Logger
	o   Options

	mu            sync.RWMutex
	txHooks       []MessageTxHook
	answerTxHooks []MessageTxHook

	live broker
	// answering serialises an account's answering runs on this node.
	answering sync.Map // account id → *sync.Mutex
	// known are the people each account held here has a conversation
	// with (known.go).
	known knownPeers
	// fetches joins the views of one file that is not cached yet into
	// one download (media.go).
	fetches singleflight.Group
	// failedFetches remembers the fetches that failed, for a while
	// (media.go).
	failedFetches sync.Map // fetch key → fetchFailure

	// beforeSend, when set (tests), runs after an answer is claimed and
	// committed, before it leaves.
	beforeSend func(m store.InboxMessage)
	// afterLastLook, when set (tests), runs when an answering run found
	// no answer left, before River marks its job completed.
	afterLastLook func()
}

// New returns a Service.
func New(o Options) (*Service, error) {
	if o.Store == nil || o.Accounts == nil {
		return nil, errors.New("inbox: Store and Accounts are required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MediaCacheSize <= 0 {
		o.MediaCacheSize = DefaultMediaCacheSize
	}
	return &Service{st: o.Store, acc: o.Accounts, log: o.Logger, o: o, live: newBroker()}, nil
}

// MessageTxHook is called in the transaction that stores a message the
// inbox hears of live (pushed, or read with getDifference; not history),
// so what it writes (a webhook event) commits with the message or not at
// all: a message stored once is announced once, whatever crashes. An
// error rolls the message back; it is stored when it comes again.
type MessageTxHook func(ctx context.Context, tx store.Tx, c Conversation, m Message) error

// OnMessageTx adds a transactional hook; call it before the service starts
// working.
func (s *Service) OnMessageTx(h MessageTxHook) {
	s.mu.Lock()
	s.txHooks = append(s.txHooks, h)
	s.mu.Unlock()
}

// OnAnswerTx adds a hook called in the transaction that records an
// answer sent (an answer.sent webhook event): announced once, with the
// answer's author. Call it before the service starts working.
func (s *Service) OnAnswerTx(h MessageTxHook) {
	s.mu.Lock()
	s.answerTxHooks = append(s.answerTxHooks, h)
	s.mu.Unlock()
}

func (s *Service) jobs() (Queue, error) {
	if s.o.Queue == nil {
		return nil, errors.New("inbox: no job queue (Options.Queue is nil)")
	}
	return s.o.Queue, nil
}

func (s *Service) now() time.Time { return s.o.Now().UTC() }

// Conversation is one account's private chat with one person, as the
// inbox shows it.
type Conversation struct {
	store.Conversation
	// AccountName is the account's display name: its first and last
	// name, else @username, else its id.
	AccountName string
}

func conversationOf(c store.Conversation) Conversation {
	name := strings.TrimSpace(c.AccountFirstName + " " + c.AccountLastName)
	switch {
	case name != "":
	case c.AccountUsername != "":
		name = "@" + c.AccountUsername
	default:
		name = "Account " + itoa(c.AccountID)
	}
	return Conversation{Conversation: c, AccountName: name}
}

// Name is the person's name as the list shows it: first and last name,
// else @username, else their Telegram id.
func (c Conversation) Name() string {
	if n := strings.TrimSpace(c.FirstName + " " + c.LastName); n != "" {
		return n
	}
	if c.Username != "" {
		return "@" + c.Username
	}
	return "User " + itoa(c.TGUserID)
}

// Initial is the letter of the person's avatar.
func (c Conversation) Initial() string {
	for _, r := range c.Name() {
		if r != '@' {
			return strings.ToUpper(string(r))
		}
	}
	return "?"
}

// Done reports whether the conversation is marked done.
func (c Conversation) Done() bool { return c.Status == store.ConversationDone }

// Message is one message of a conversation.
type Message struct {
	store.InboxMessage
}

// Formatted is the message's text with its formatting, for HTML().
func (m Message) Formatted() message.Rendered {
	return message.Rendered{Text: m.Text, Entities: messageEntities(m.Entities)}
}

// Incoming reports whether the person wrote it.
func (m Message) Incoming() bool { return m.Direction == store.DirectionIn }

// MediaLabel is the placeholder shown for a media message ("Photo, 1.2 MB"),
// "" when it has none.
func (m Message) MediaLabel() string {
	label := mediaLabel(m.MediaType, m.MediaSize)
	if m.MediaFileName != "" && label != "" {
		// An answer's file is named as it was attached.
		label = m.MediaFileName + " (" + label + ")"
	}
	return label
}

// MediaSizeLabel is the file's size as people read it ("1.2 MB"), "" when
// Telegram did not say.
func (m Message) MediaSizeLabel() string {
	if m.MediaSize <= 0 {
		return ""
	}
	return formatSize(m.MediaSize)
}

// Filter selects a page of the list.
type Filter struct {
	AccountID  int64
	CampaignID int64
	Unread     bool
	// Status is "", "open" or "done".
	Status string
	// Search matches the person's names and username, and message text.
	Search string
	// Assigned is AssignedAll, AssignedMine (the acting member's) or
	// AssignedUnassigned.
	Assigned string
	// Cursor is the previous page's Next; "" for the first page.
	Cursor string
	// Limit is the page size: default 50, at most 200.
	Limit int
}

// Page is one page of conversations; Next is the cursor of the page after
// it, "" on the last page.
type Page struct {
	Conversations []Conversation
	Next          string
}

// MessagePage is one page of a thread, newest first; Next is the cursor
// of the older page, "" when there is none.
type MessagePage struct {
	Messages []Message
	Next     string
}

// Event tells a live page that a conversation changed.
type Event struct {
	Kind           string // EventMessage, EventAnswer, EventConversation or EventTyping
	UserID         int64
	AccountID      int64
	ConversationID int64
	// MessageID is the inbox message concerned, for EventMessage and
	// EventAnswer.
	MessageID int64
}

// Event kinds.
const (
	EventMessage      = "message"      // a new message in a conversation
	EventAnswer       = "answer"       // an answer's state changed
	EventConversation = "conversation" // read, done or reopened, assigned, a note
	EventTyping       = "typing"       // a member is typing an answer
)
