package inbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/gotd/td/tg"
	"github.com/riverqueue/river"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/audit"
	"github.com/telegramate/telegramate/internal/campaign/message"
	"github.com/telegramate/telegramate/internal/connections"
	"github.com/telegramate/telegramate/internal/jobs"
	"github.com/telegramate/telegramate/internal/media"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
	"github.com/telegramate/telegramate/internal/usertext"
)

// AnswerQueue is River's queue of the answering jobs, one per account.
const AnswerQueue = "inbox_answers"

// AnswerArgs is the job that sends an account's pending answers: one per
// account at a time, which takes in answers written meanwhile.
type AnswerArgs jobs.AccountArgs

func (AnswerArgs) Kind() string { return "inbox_answer" }

func (AnswerArgs) InsertOpts() river.InsertOpts { return jobs.OnePerAccount(AnswerQueue) }

// maxAnswerLength is Telegram's limit, in UTF-16 code units.
const maxAnswerLength = 4096

// Answer writes an answer to the conversation as its account and wakes the
// account's answering job. The answer is stored pending with its random_id
// before anything is sent, so it goes exactly once whatever crashes. An
// account that cannot send now (limited by PEER_FLOOD, waiting out a
// FLOOD_WAIT, needing a login) keeps the answer pending and says why.
func (s *Service) Answer(ctx context.Context, userID, conversationID int64, text string) (Message, error) {
	return s.AnswerFile(ctx, userID, conversationID, text, 0)
}

// AnswerFile is Answer attaching the workspace's stored file fileID (0
// for none), with text as its caption (which may then be empty). The file
// is sent exactly once as the text is: uploaded by the account if it has
// not been, then sent with the answer's random_id.
func (s *Service) AnswerFile(ctx context.Context, userID, conversationID int64, text string, fileID int64) (Message, error) {
	c, r, err := s.checkAnswer(ctx, userID, conversationID, text, fileID != 0)
	if err != nil {
		return Message{}, err
	}
	var file store.MediaFile
	if fileID != 0 {
		if s.o.Media == nil {
			return Message{}, errNoFileStorage
		}
		// Another workspace's file is refused as if it did not exist.
		if file, err = s.o.Media.File(ctx, c.UserID, fileID, "media_id"); err != nil {
			return Message{}, err
		}
	}
	q, err := s.jobs()
	if err != nil {
		return Message{}, err
	}
	a := store.NewAnswer{UserID: userID, ConversationID: c.ID, Text: r.Text, Entities: storeEntities(r.Entities), RandomID: telegram.NewRandomID(),
		MediaFileID: file.ID, MediaType: file.Type, MediaSize: file.Size, MediaMIME: file.MIMEType, MediaFileName: file.FileName, Now: s.now()}
	person, isPerson := actor.From(ctx)
	a.AnsweredBy = person.UserID
	if uerr := s.acc.Usable(telegram.WithKinds(ctx, telegram.KindSend), userID, c.AccountID); uerr != nil {
		e, ok := apperr.As(uerr)
		if !ok {
			return Message{}, uerr
		}
		a.ErrorCode, a.Error = waitReason(e)
	}
	var m store.InboxMessage
	err = s.st.InTx(ctx, func(tx store.Tx) error {
		var err error
		if m, err = tx.CreateAnswer(ctx, a); err != nil {
			return err
		}
		res, err := q.InsertTx(ctx, tx.SQL(), AnswerArgs{AccountID: c.AccountID, UserID: userID}, nil)
		if err != nil {
			return err
		}
		if jobs.RanPastLastLook(res) {
			if _, err = q.InsertTx(ctx, tx.SQL(), AnswerArgs{AccountID: c.AccountID, UserID: userID, Again: true}, nil); err != nil {
				return err
			}
		}
		return s.recordAnswer(ctx, tx, userID, c, m)
	})
	if errors.Is(err, store.ErrNotFound) {
		return Message{}, errNotFound
	}
	if err != nil {
		return Message{}, fmt.Errorf("answer conversation %d: %w", conversationID, err)
	}
	if isPerson {
		// Sent: no longer replying. A failure here only leaves "replying"
		// shown until it ages out.
		if err := s.st.ClearTyping(ctx, c.ID, person.UserID); err != nil {
			s.log.Warn("typing not cleared", slog.Int64("conversation", c.ID), slog.Any("err", err))
		}
	}
	s.publish(Event{Kind: EventAnswer, UserID: userID, AccountID: c.AccountID, ConversationID: c.ID, MessageID: m.ID})
	return Message{m}, nil
}

// checkAnswer refuses an answer that cannot be sent as written (with a
// file, when withFile) before anything is stored, and renders it for the
// conversation's person.
func (s *Service) checkAnswer(ctx context.Context, userID, conversationID int64, text string, withFile bool) (store.Conversation, message.Rendered, error) {
	var r message.Rendered
	if err := actor.Require(ctx, actor.Operator); err != nil {
		return store.Conversation{}, r, err
	}
	if strings.TrimSpace(text) == "" && !withFile {
		return store.Conversation{}, r, errEmptyAnswer
	}
	n := len(utf16.Encode([]rune(text)))
	if withFile && n > message.MaxCaptionLength {
		return store.Conversation{}, r, errCaptionTooLong(n)
	}
	if n > maxAnswerLength {
		return store.Conversation{}, r, errAnswerTooLong
	}
	if err := usertext.CheckNUL("text", text); err != nil {
		return store.Conversation{}, r, err
	}
	c, err := s.conversation(ctx, userID, conversationID)
	if err != nil {
		return c, r, err
	}
	if !withFile || strings.TrimSpace(text) != "" {
		if r, err = formatAnswer(text, c, withFile); err != nil {
			return c, r, err
		}
	}
	return c, r, nil
}

// AnswerUpload is AnswerFile with a file given whole (a page's form): the
// answer is checked first, then the file is stored as POST /api/v1/media
// stores it (the same limits and refusals, on field "file"), then the
// answer is written. A refused answer stores no file.
func (s *Service) AnswerUpload(ctx context.Context, userID, conversationID int64, text, fileName string, file io.Reader) (Message, error) {
	if s.o.Media == nil {
		return Message{}, errNoFileStorage
	}
	c, _, err := s.checkAnswer(ctx, userID, conversationID, text, true)
	if err != nil {
		return Message{}, err
	}
	f, err := s.o.Media.Put(ctx, c.UserID, fileName, file)
	if err != nil {
		return Message{}, err
	}
	return s.AnswerFile(ctx, userID, conversationID, text, f.ID)
}

// MaxFileSize is the largest file an answer may attach; 0 when this
// instance sends none.
func (s *Service) MaxFileSize() int64 {
	if s.o.Media == nil {
		return 0
	}
	return s.o.Media.MaxFileSize()
}

// recordAnswer writes an answer to the workspace's audit log and to the
// activity log of the account it is sent as, in the answer's transaction.
func (s *Service) recordAnswer(ctx context.Context, tx store.Tx, userID int64, c store.Conversation, m store.InboxMessage) error {
	by := audit.ActorFrom(ctx)
	who := peerName(c)
	detail := fmt.Sprintf("Message %d, %d characters", m.ID, utf8.RuneCountInString(m.Text))
	if m.MediaFileID != 0 {
		detail += fmt.Sprintf(", with %s %q", m.MediaType, m.MediaFileName)
	}
	if err := audit.Record(ctx, tx, s.now(), userID, by, audit.Event{
		Action: audit.AnswerSent, TargetKind: audit.TargetChat, TargetID: c.ID, TargetLabel: who, Detail: detail,
	}); err != nil {
		return err
	}
	if _, err := tx.AddActivity(ctx, store.Activity{AccountID: c.AccountID, UserID: c.UserID, ByUserID: by.UserID, Event: audit.AnswerSent,
		Detail: "Inbox answer to " + who + " (" + detail + ")", IP: by.IP, CreatedAt: s.now().UTC()}); err != nil {
		return fmt.Errorf("account %d activity: %w", c.AccountID, err)
	}
	return nil
}

// peerName is the person of a conversation as the log names them.
func peerName(c store.Conversation) string {
	name := strings.TrimSpace(c.FirstName + " " + c.LastName)
	if c.Username != "" {
		name = strings.TrimSpace(name + " (@" + c.Username + ")")
	}
	if name == "" {
		name = fmt.Sprintf("Telegram user %d", c.TGUserID)
	}
	return name
}

// PreviewAnswer is the answer as the person of the conversation will read
// it: the text written as a campaign's message is (**bold**, links,
// {first_name|fallback} …) rendered for them. The error says what to fix
// (the rendered part is still filled when it can be).
func (s *Service) PreviewAnswer(ctx context.Context, userID, conversationID int64, text string, withFile bool) (message.Rendered, error) {
	c, err := s.conversation(ctx, userID, conversationID)
	if err != nil {
		return message.Rendered{}, err
	}
	return formatAnswer(text, c, withFile)
}

// formatAnswer parses an answer with the campaign editor's syntax and
// renders it for the conversation's person, as a file's caption when
// caption. An answer once went out with its **stars** as typed.
func formatAnswer(text string, c store.Conversation, caption bool) (message.Rendered, error) {
	t, err := message.Parse(text)
	if err != nil {
		return message.Rendered{}, onText(err)
	}
	r := t.Render(message.Recipient{FirstName: c.FirstName, LastName: c.LastName, Username: c.Username}, message.Options{})
	name := strings.TrimSpace(c.FirstName + " " + c.LastName)
	if name == "" {
		name = "this person"
	}
	if caption {
		return r, onText(r.CheckCaption(name))
	}
	return r, onText(r.Check(name))
}

// onText shows a formatting error next to the answer's field.
func onText(err error) error {
	if e, ok := apperr.As(err); ok && e.Field != "" {
		return e.OnField("text")
	}
	return err
}

// storeEntities and tgEntities convert a message's formatting for the
// store and for Telegram.
func storeEntities(list []message.Entity) []store.TextEntity {
	if len(list) == 0 {
		return nil
	}
	out := make([]store.TextEntity, len(list))
	for i, e := range list {
		out[i] = store.TextEntity(e)
	}
	return out
}

func messageEntities(list []store.TextEntity) []message.Entity {
	out := make([]message.Entity, len(list))
	for i, e := range list {
		out[i] = message.Entity(e)
	}
	return out
}

// waitReason says why an answer waits for its account.
func waitReason(e *apperr.Error) (string, string) {
	switch e.Code {
	case apperr.CodeAccountLimited:
		return e.Code, "Waiting: Telegram limited the account (PEER_FLOOD); it sends once the limit is reset"
	case apperr.CodeFloodWait:
		return e.Code, "Waiting for Telegram (FLOOD_WAIT): sends in " + apperr.FormatWait(e.RetryAfter)
	}
	return e.Code, "Waiting: " + e.Message
}

type answerWorker struct {
	river.WorkerDefaults[AnswerArgs]
	s *Service
}

func (w *answerWorker) Timeout(*river.Job[AnswerArgs]) time.Duration { return 10 * time.Minute }

func (w *answerWorker) Work(ctx context.Context, job *river.Job[AnswerArgs]) error {
	return w.s.sendAnswers(ctx, job.Args.UserID, job.Args.AccountID)
}

// sendAnswers sends the account's pending answers on one connection:
// first those a crash left mid-send, again with their random_id.
func (s *Service) sendAnswers(ctx context.Context, userID, accountID int64) error {
	log := s.log.With(slog.Int64("account", accountID))
	// A job rescued from a node that seemed dead may overlap the one still
	// running here: they take turns, so neither resends the other's
	// answer in flight.
	v, _ := s.answering.LoadOrStore(accountID, &sync.Mutex{})
	mu := v.(*sync.Mutex)
	mu.Lock()
	defer mu.Unlock()
	err := s.acc.Use(connections.WithPriority(telegram.WithKinds(ctx, telegram.KindSend), connections.Answer), userID, accountID, func(ctx context.Context, api *tg.Client) error {
		left, err := s.st.SendingAnswers(ctx, accountID)
		if err != nil {
			return fmt.Errorf("interrupted answers: %w", err)
		}
		for _, m := range left {
			log.Info("sending an interrupted answer again with its random_id", slog.Int64("message", m.ID))
			if err := s.st.RetryAnswer(ctx, m.ID, s.now()); err != nil {
				return err
			}
			if err := s.sendAnswer(ctx, api, m); err != nil {
				return err
			}
		}
		for {
			m, err := s.st.NextPendingAnswer(ctx, accountID)
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := s.st.ClaimAnswer(ctx, m.ID, s.now()); err != nil {
				if errors.Is(err, store.ErrConflict) {
					continue
				}
				return err
			}
			m.State = store.AnswerSending
			if s.beforeSend != nil {
				s.beforeSend(m)
			}
			if err := s.sendAnswer(ctx, api, m); err != nil {
				return err
			}
		}
	})
	if err == nil {
		// An answer written as the run ended found this job still running
		// and enqueued none: go again.
		if _, err := s.st.NextPendingAnswer(ctx, accountID); err == nil {
			return river.JobSnooze(0)
		}
		if s.afterLastLook != nil {
			s.afterLastLook()
		}
		return nil
	}
	switch o := jobs.Classify(ctx, err); {
	case o.FloodWait > 0:
		log.Info("answers wait for Telegram", slog.Duration("wait", o.FloodWait))
		if e, ok := apperr.As(err); ok {
			s.noteWaiting(ctx, accountID, e)
		}
		return river.JobSnooze(o.FloodWait)
	case o.Busy > 0:
		return river.JobSnooze(o.Busy)
	case o.Problem != nil:
		// Limited, needing a login, disconnected: the answers wait for
		// a person, and the tick wakes the account when it can send.
		s.noteWaiting(ctx, accountID, o.Problem)
		log.Info("account cannot answer now", slog.String("reason", o.Problem.Code))
		return nil
	case o.Stopping:
		return river.JobSnooze(time.Second)
	}
	log.Warn("answering failed; River retries it", slog.Any("err", err))
	return err
}

// noteWaiting says on the account's pending answers why they wait.
func (s *Service) noteWaiting(ctx context.Context, accountID int64, e *apperr.Error) {
	code, why := waitReason(e)
	if err := s.st.NoteWaitingAnswers(ctx, accountID, code, why, s.now()); err != nil {
		s.log.Warn("waiting answers not noted", slog.Int64("account", accountID), slog.Any("err", err))
	}
}

// sendAnswer sends one claimed answer and records Telegram's answer. An
// error returned ends the run: the account's trouble (the answer waits,
// released to pending) or a passing fault (it stays mid-send and goes
// again with its random_id).
func (s *Service) sendAnswer(ctx context.Context, api *tg.Client, m store.InboxMessage) error {
	c, err := s.st.ConversationForWork(ctx, m.ConversationID)
	if err != nil {
		return fmt.Errorf("answer %d: %w", m.ID, err)
	}
	if c.AccessHash == 0 {
		return s.finishAnswer(ctx, c, m, store.AnswerFailed, 0, "unreachable",
			"Telegram has not told this account who the person is; wait for their next message")
	}
	entities := message.Rendered{Entities: messageEntities(m.Entities)}.TG()
	var id int
	if m.MediaFileID != 0 {
		if s.o.Media == nil {
			return s.finishAnswer(ctx, c, m, store.AnswerFailed, 0, "no_media", "This instance was started without file sending; write the answer again without the file")
		}
		var res tg.UpdatesClass
		var stats media.SendStats
		res, stats, err = s.o.Media.Send(ctx, api, media.SendRequest{WorkspaceID: c.UserID, AccountID: c.AccountID, FileID: m.MediaFileID,
			Peer: &tg.InputPeerUser{UserID: c.TGUserID, AccessHash: c.AccessHash}, Caption: m.Text, Entities: entities, RandomID: m.RandomID})
		if stats.Uploaded > 0 || stats.Refreshed {
			s.log.Info("account uploaded an answer's file", slog.Int64("message", m.ID), slog.Int64("file", m.MediaFileID),
				slog.Int64("bytes", stats.Uploaded), slog.Bool("reference_refreshed", stats.Refreshed))
		}
		if err == nil {
			id = telegram.SentMessageID(res, m.RandomID)
		}
	} else {
		id, err = telegram.SendText(ctx, api, c.TGUserID, c.AccessHash, m.Text, entities, m.RandomID)
	}
	if err == nil {
		return s.finishAnswer(ctx, c, m, store.AnswerSent, id, "", "")
	}
	now := s.now()
	var fw *telegram.FloodWaitError
	switch {
	case errors.As(err, &fw):
		return errors.Join(err, s.release(ctx, c, m, "flood_wait", "Waiting for Telegram (FLOOD_WAIT): sends in "+apperr.FormatWait(fw.Wait), now))
	case errors.Is(err, telegram.ErrPeerFlood):
		return errors.Join(err, s.release(ctx, c, m, "account_limited", "Waiting: Telegram limited the account (PEER_FLOOD); it sends once the limit is reset", now))
	case errors.Is(err, telegram.ErrSessionRevoked):
		return errors.Join(err, s.release(ctx, c, m, "account_needs_login", "Waiting: the account must log in again", now))
	}
	if code, why, ok := telegram.RecipientRefusal(err); ok {
		return s.finishAnswer(ctx, c, m, store.AnswerFailed, 0, code, why)
	}
	return err
}

func (s *Service) release(ctx context.Context, c store.Conversation, m store.InboxMessage, code, why string, now time.Time) error {
	if err := s.st.ReleaseAnswer(ctx, m.ID, code, why, now); err != nil {
		return err
	}
	s.publish(Event{Kind: EventAnswer, UserID: c.UserID, AccountID: c.AccountID, ConversationID: c.ID, MessageID: m.ID})
	return nil
}

func (s *Service) finishAnswer(ctx context.Context, c store.Conversation, m store.InboxMessage, state string, tgID int, code, why string) error {
	s.mu.RLock()
	hooks := s.answerTxHooks
	s.mu.RUnlock()
	err := s.st.InTx(ctx, func(tx store.Tx) error {
		done, err := tx.FinishAnswer(ctx, m.ID, state, tgID, code, why, s.now())
		if err != nil || state != store.AnswerSent {
			return err
		}
		for _, h := range hooks {
			if err := h(ctx, tx, conversationOf(c), Message{done}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record answer %d: %w", m.ID, err)
	}
	s.publish(Event{Kind: EventAnswer, UserID: c.UserID, AccountID: c.AccountID, ConversationID: c.ID, MessageID: m.ID})
	return nil
}
