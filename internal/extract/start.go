package extract

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/audit"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
)

// StartInput is what a user asks to extract: a chat from the account's
// chats (ChatID, Telegram's id) or a pasted @username / t.me link (Chat).
type StartInput struct {
	AccountID int64
	ChatID    int64
	Chat      string
	// Search narrows the run to members matching it (Telegram's own member
	// search); empty lists everyone Telegram shows.
	Search string
	// IP is the client's address, for the account's activity log.
	IP string
}

const maxSearch = 64

func (in *StartInput) check() error {
	in.Chat = strings.TrimSpace(in.Chat)
	in.Search = strings.TrimSpace(in.Search)
	switch {
	case in.AccountID <= 0:
		return withHint(apperr.Validation("account_id", "Choose a Telegram account"),
			"Connect one on the Accounts page first if there is none; the API takes its id as account_id.")
	case in.ChatID == 0 && in.Chat == "":
		return withHint(apperr.Validation("chat", "Choose a chat, or enter a @username or t.me link"),
			"The account's groups and channels are listed on its Chats page (GET /api/v1/accounts/{id}/chats).")
	case in.ChatID != 0 && in.Chat != "":
		return withHint(apperr.Validation("chat", "Choose a chat or enter a @username, not both"),
			"Send chat_id for a chat from the account's list, or chat for a @username or t.me link.")
	case utf8.RuneCountInString(in.Search) > maxSearch:
		return apperr.Validation("search", fmt.Sprintf("The search term can be at most %d characters", maxSearch))
	}
	return nil
}

// Start queues an extraction of a chat the account can see and logs
// "extraction started" in the account's activity.
func (s *Service) Start(ctx context.Context, userID int64, in StartInput) (store.Extraction, error) {
	if err := actor.Require(ctx, actor.Operator); err != nil {
		return store.Extraction{}, err
	}
	if err := in.check(); err != nil {
		return store.Extraction{}, err
	}
	q, err := s.jobs()
	if err != nil {
		return store.Extraction{}, err
	}
	if err := s.acc.Owned(ctx, userID, in.AccountID); err != nil {
		return store.Extraction{}, err
	}
	// Refused now rather than created to fail in the job, leaving an empty
	// list behind.
	if err := s.acc.Usable(telegram.WithKinds(ctx, memberCalls...), userID, in.AccountID); err != nil {
		return store.Extraction{}, err
	}
	if err := s.roomForMembers(ctx, userID); err != nil {
		return store.Extraction{}, err
	}
	chat, err := s.chatFor(ctx, userID, in)
	if err != nil {
		return store.Extraction{}, err
	}
	if chat.Kind == store.ChatChannel && !chat.IsAdmin {
		return store.Extraction{}, ErrChannelAdminRequired
	}
	name := chat.Title
	if in.Search != "" {
		name = fmt.Sprintf("%s — “%s”", chat.Title, in.Search)
	}
	var e store.Extraction
	err = s.st.InTx(ctx, func(tx store.Tx) error {
		var err error
		e, err = tx.CreateExtraction(ctx, store.NewExtraction{
			UserID: userID, AccountID: in.AccountID, Chat: chat, Search: in.Search, ListName: name, Now: s.now(),
		})
		if err != nil {
			return err
		}
		res, err := q.InsertTx(ctx, tx.SQL(), JobArgs{ExtractionID: e.ID}, nil)
		if err != nil {
			return fmt.Errorf("enqueue: %w", err)
		}
		e.JobID = res.Job.ID
		if err := tx.SetExtractionJob(ctx, e.ID, res.Job.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.now(), userID, audit.ActorFrom(ctx), audit.Event{
			Action: audit.ExtractionStarted, TargetKind: audit.TargetExtraction, TargetID: e.ID, TargetLabel: name,
			Detail: fmt.Sprintf("Account %d, %s", in.AccountID, startDetail(e, in.Search)),
		})
	})
	if err != nil {
		return store.Extraction{}, fmt.Errorf("start extraction: %w", err)
	}
	if err := s.acc.LogActivity(ctx, userID, in.AccountID, EventStarted, startDetail(e, in.Search), in.IP); err != nil {
		s.log.Warn("activity not recorded", slog.Int64("extraction", e.ID), slog.Any("err", err))
	}
	s.log.Info("extraction queued", slog.Int64("extraction", e.ID), slog.Int64("account", in.AccountID), slog.Int64("chat", chat.TGChatID))
	return e, nil
}

// startDetail says what an extraction reads, for the logs.
func startDetail(e store.Extraction, search string) string {
	detail := chatLabel(e)
	if search != "" {
		detail += fmt.Sprintf(", search “%s”", search)
	}
	return detail
}

// Get is one of the user's extractions.
func (s *Service) Get(ctx context.Context, userID, id int64) (store.Extraction, error) {
	e, err := s.st.ExtractionByID(ctx, userID, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Extraction{}, apperr.NotFound("Extraction")
	}
	if err != nil {
		return store.Extraction{}, fmt.Errorf("extraction %d: %w", id, err)
	}
	return e, nil
}

// Extractions is the user's extractions, newest first.
func (s *Service) Extractions(ctx context.Context, userID int64, limit int) ([]store.Extraction, error) {
	out, err := s.st.ListExtractions(ctx, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("list extractions: %w", err)
	}
	return out, nil
}

// Cancel stops an extraction. A running page finishes, but its members are
// not saved: the run sees the cancellation when it saves them. What was
// saved before stays in the list.
func (s *Service) Cancel(ctx context.Context, userID, id int64) (store.Extraction, error) {
	if err := actor.Require(ctx, actor.Operator); err != nil {
		return store.Extraction{}, err
	}
	e, err := s.st.CancelExtraction(ctx, userID, id, s.now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.Extraction{}, apperr.NotFound("Extraction")
	case errors.Is(err, store.ErrConflict):
		return store.Extraction{}, ErrAlreadyOver
	case err != nil:
		return store.Extraction{}, fmt.Errorf("cancel extraction %d: %w", id, err)
	}
	if q, qerr := s.jobs(); qerr == nil && e.JobID != 0 {
		// A queued or snoozed job need not wake up to find out.
		if _, err := q.JobCancel(ctx, e.JobID); err != nil {
			s.log.Debug("river job not cancelled", slog.Int64("job", e.JobID), slog.Any("err", err))
		}
	}
	s.log.Info("extraction cancelled", slog.Int64("extraction", id))
	return e, nil
}

// roomForMembers refuses a new extraction once the owner's member lists
// hold the members quota: one tenant cannot fill the disk with lists.
func (s *Service) roomForMembers(ctx context.Context, userID int64) error {
	u, err := s.st.UsageOf(ctx, userID)
	if err != nil {
		return fmt.Errorf("usage of user %d: %w", userID, err)
	}
	if u.Members < s.quotaMembers {
		return nil
	}
	return &apperr.Error{Code: apperr.CodeQuotaExceeded, Status: http.StatusUnprocessableEntity,
		Message: fmt.Sprintf("Your member lists hold %d members, the most kept per workspace (the members quota is %d)", u.Members, s.quotaMembers),
		Hint:    "Nothing was started. Delete member lists you no longer need (Member lists › a list › Delete), or ask the operator to raise --quota-members."}
}
