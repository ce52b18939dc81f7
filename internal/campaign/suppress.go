package campaign

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/campaign/recipients"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/usertext"
)

// Suppressions lists the user's suppression list, newest first.
func (s *Service) Suppressions(ctx context.Context, userID int64) ([]store.Suppression, error) {
	return s.st.ListSuppressions(ctx, userID)
}

// MaxSuppressionsPage bounds a page of the list.
const MaxSuppressionsPage = 500

// SuppressionsPage is a page of the user's list, newest first, after
// cursor (a previous page's next; "" for the first); next is "" on the
// last page.
func (s *Service) SuppressionsPage(ctx context.Context, userID int64, cursor string, limit int) (list []store.Suppression, next string, err error) {
	var before int64
	if cursor != "" {
		if before, err = strconv.ParseInt(cursor, 10, 64); err != nil || before <= 0 {
			return nil, "", fieldError("cursor", "That page link is not valid", "Start again from the first page.")
		}
	}
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, MaxSuppressionsPage)
	list, err = s.st.SuppressionsPage(ctx, userID, before, limit+1)
	if err != nil {
		return nil, "", err
	}
	if len(list) > limit {
		list = list[:limit]
		next = strconv.FormatInt(list[limit-1].ID, 10)
	}
	return list, next, nil
}

// CountSuppressions is the length of the user's list (the dashboard).
func (s *Service) CountSuppressions(ctx context.Context, userID int64) (int, error) {
	return s.st.CountSuppressions(ctx, userID)
}

// DefaultMaxSuppressions is Options.MaxSuppressions' default.
const DefaultMaxSuppressions = 1_000_000

// roomFor refuses adding n entries that would take the user's list past
// its cap.
func (s *Service) roomFor(ctx context.Context, userID int64, n int) error {
	have, err := s.st.CountSuppressions(ctx, userID)
	if err != nil {
		return fmt.Errorf("count suppressions: %w", err)
	}
	if have+n <= s.o.MaxSuppressions {
		return nil
	}
	return &apperr.Error{Code: "suppression_list_full", Status: http.StatusUnprocessableEntity,
		Message: fmt.Sprintf("Your suppression list holds %d entries; adding %d would pass the most it can hold, %d", have, n, s.o.MaxSuppressions),
		Hint:    "Nothing was added. Remove entries you no longer need, or import fewer at a time. (People who reply STOP are still added.)"}
}

// Suppress adds one recipient, named by "@username", a t.me link or a
// numeric user id, to the user's list.
func (s *Service) Suppress(ctx context.Context, userID int64, who, why string) (store.Suppression, error) {
	if err := actor.Require(ctx, actor.Operator); err != nil {
		return store.Suppression{}, err
	}
	res, err := recipients.ParseText(who, recipients.Limits{MaxRows: 2, MaxBytes: 1024})
	if err != nil {
		return store.Suppression{}, err
	}
	if len(res.Refs) != 1 || res.InvalidCount > 0 {
		hint := "Enter one @username, t.me link or numeric user id."
		if len(res.Invalid) > 0 {
			hint = res.Invalid[0].Reason + ". " + hint
		}
		return store.Suppression{}, fieldError("user", "That is not one Telegram user", hint)
	}
	why = strings.TrimSpace(why)
	if usertext.HasNUL(why) {
		return store.Suppression{}, usertext.NULError("reason")
	}
	if !utf8.ValidString(why) || utf8.RuneCountInString(why) > 200 {
		return store.Suppression{}, fieldError("reason", "The reason must be text of at most 200 characters", "Shorten it.")
	}
	if why == "" {
		why = "Added by you"
	}
	if err := s.roomFor(ctx, userID, 1); err != nil {
		return store.Suppression{}, err
	}
	ref := res.Refs[0]
	var e store.Suppression
	err = s.st.InTx(ctx, func(tx store.Tx) error {
		var err error
		if e, _, err = tx.AddSuppression(ctx, store.Suppression{UserID: userID, TGUserID: ref.UserID, Username: ref.Username, Reason: why, CreatedAt: s.now()}); err != nil {
			return err
		}
		// Follow-ups still to come stop now (a first message not yet
		// sent is skipped when its turn comes, as it always was).
		_, err = tx.CancelStepsOf(ctx, userID, e.TGUserID, e.Username, reasonStepsSupp.code, reasonStepsSupp.text, s.now())
		return err
	})
	return e, err
}

// Unsuppress removes a recipient by user id, or by username when the
// entry has no id.
func (s *Service) Unsuppress(ctx context.Context, userID int64, who string) error {
	if err := actor.Require(ctx, actor.Operator); err != nil {
		return err
	}
	who = strings.TrimSpace(who)
	var err error
	if id, perr := strconv.ParseInt(who, 10, 64); perr == nil && id > 0 {
		err = s.st.DeleteSuppression(ctx, userID, id, "")
	} else {
		err = s.st.DeleteSuppression(ctx, userID, 0, strings.ToLower(strings.TrimPrefix(who, "@")))
	}
	if errors.Is(err, store.ErrNotFound) {
		return errNoSuppression
	}
	return err
}

// ImportResult says what an import did.
type ImportResult struct {
	Added, Already int
	recipients.Result
}

// ImportSuppressions adds every user of a CSV (or pasted list) to the
// user's suppression list; items that are not users are reported, not
// added.
func (s *Service) ImportSuppressions(ctx context.Context, userID int64, r io.Reader) (ImportResult, error) {
	if err := actor.Require(ctx, actor.Operator); err != nil {
		return ImportResult{}, err
	}
	res, err := recipients.ParseCSV(r, recipients.Limits{MaxRows: recipients.DefaultMaxRows, MaxBytes: recipients.DefaultMaxBytes})
	if err != nil {
		return ImportResult{}, err
	}
	if err := s.roomFor(ctx, userID, len(res.Refs)); err != nil {
		return ImportResult{}, err
	}
	out := ImportResult{Result: res}
	now := s.now()
	list := make([]store.Suppression, len(res.Refs))
	for i, ref := range res.Refs {
		list[i] = store.Suppression{UserID: userID, TGUserID: ref.UserID, Username: ref.Username, Reason: "Imported", CreatedAt: now}
	}
	out.Added, out.Already, err = s.st.AddSuppressions(ctx, list)
	if err != nil {
		return out, fmt.Errorf("import suppressions: %w", err)
	}
	return out, nil
}

// ExportSuppressions writes the user's list as CSV.
func (s *Service) ExportSuppressions(ctx context.Context, userID int64, w io.Writer) error {
	// Row by row from the database to the writer: a list of a million
	// entries never sits in memory.
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"user_id", "username", "reason", "created_at"})
	err := s.st.ForEachSuppression(ctx, userID, func(e store.Suppression) error {
		id := ""
		if e.TGUserID != 0 {
			id = strconv.FormatInt(e.TGUserID, 10)
		}
		return cw.Write([]string{id, usertext.CSVCell(e.Username), usertext.CSVCell(e.Reason), e.CreatedAt.UTC().Format(time.RFC3339)})
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}
