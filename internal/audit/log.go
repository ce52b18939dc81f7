package audit

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/usertext"
)

// PageSize is a page's size unless asked otherwise; MaxPageSize bounds it.
const (
	PageSize    = 50
	MaxPageSize = 200
)

// Reader is the part of the store the log is read from.
type Reader interface {
	AuditEventsPage(ctx context.Context, workspaceID int64, f store.AuditFilter, beforeID int64, limit int) ([]store.AuditEvent, error)
	AuditActors(ctx context.Context, workspaceID int64, limit int) ([]store.AuditActor, error)
}

// Log reads a workspace's audit log.
type Log struct{ st Reader }

// New returns the log over st.
func New(st Reader) *Log { return &Log{st: st} }

// Filter narrows the log; its zero value is everything.
type Filter = store.AuditFilter

// ErrBadCursor refuses a cursor the log did not give.
var ErrBadCursor = &apperr.Error{
	Code: apperr.CodeValidation, Field: "cursor", Status: http.StatusUnprocessableEntity,
	Message: "cursor is not one this listing gave",
	Hint:    "Pass the next_cursor of the previous page with the same filters, or leave cursor out to start from the newest events.",
}

// ErrBadLimit refuses a page size out of bounds.
var ErrBadLimit = &apperr.Error{
	Code: apperr.CodeValidation, Field: "limit", Status: http.StatusUnprocessableEntity,
	Message: fmt.Sprintf("limit must be a whole number from 1 to %d", MaxPageSize),
	Hint:    fmt.Sprintf("Leave it out for %d events a page, and follow next_cursor for older ones; format=csv gives every event at once.", PageSize),
}

// ErrUnknownAction refuses a filter by an action the log does not have.
var ErrUnknownAction = &apperr.Error{
	Code: apperr.CodeValidation, Field: "action", Status: http.StatusUnprocessableEntity,
	Message: "action is not one of the audit log's actions",
	Hint:    "Leave it out for every action, or pick one from the audit log page's filter (snake_case, such as campaign_started).",
}

// check refuses a filter that names no action of the log.
func check(f Filter) error {
	if f.Action != "" && !Known(f.Action) {
		return ErrUnknownAction
	}
	return nil
}

// Page is up to limit events of the workspace older than cursor (a
// previous page's next; "" for the newest), newest first; next is "" on
// the last page. A limit of 0 is PageSize.
func (l *Log) Page(ctx context.Context, workspaceID int64, f Filter, cursor string, limit int) (events []store.AuditEvent, next string, err error) {
	if limit == 0 {
		limit = PageSize
	}
	if limit < 1 || limit > MaxPageSize {
		return nil, "", ErrBadLimit
	}
	if err := check(f); err != nil {
		return nil, "", err
	}
	var before int64
	if cursor != "" {
		if before, err = strconv.ParseInt(cursor, 10, 64); err != nil || before <= 0 {
			return nil, "", ErrBadCursor
		}
	}
	events, err = l.st.AuditEventsPage(ctx, workspaceID, f, before, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("audit log of workspace %d: %w", workspaceID, err)
	}
	if len(events) > limit {
		events = events[:limit]
		next = strconv.FormatInt(events[limit-1].ID, 10)
	}
	return events, next, nil
}

// maxActors bounds the filter by person.
const maxActors = 200

// Actors lists the people who acted in the workspace, for the filter.
func (l *Log) Actors(ctx context.Context, workspaceID int64) ([]store.AuditActor, error) {
	a, err := l.st.AuditActors(ctx, workspaceID, maxActors)
	if err != nil {
		return nil, fmt.Errorf("audit log people of workspace %d: %w", workspaceID, err)
	}
	return a, nil
}

// csvPage is how many events a CSV export reads at a time.
const csvPage = 500

// CSVHeader is the first line of the CSV export.
var CSVHeader = []string{"id", "time", "action", "actor_user_id", "actor_email", "ip", "target_kind", "target_id", "target", "detail"}

// Check validates a filter before a CSV export starts writing (once
// written, the status can no longer say it was refused).
func (l *Log) Check(f Filter) error { return check(f) }

// WriteCSV writes the workspace's whole log that matches f, newest first,
// a page at a time from the database: a long log never sits in memory.
func (l *Log) WriteCSV(ctx context.Context, workspaceID int64, f Filter, w io.Writer) error {
	if err := check(f); err != nil {
		return err
	}
	// The BOM makes spreadsheet programs read names as UTF-8, as the other
	// exports' CSVs do.
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for before := int64(0); ; {
		page, err := l.st.AuditEventsPage(ctx, workspaceID, f, before, csvPage)
		if err != nil {
			return fmt.Errorf("audit log of workspace %d: %w", workspaceID, err)
		}
		for _, e := range page {
			actor := ""
			if e.ActorUserID != 0 {
				actor = strconv.FormatInt(e.ActorUserID, 10)
			}
			target := ""
			if e.TargetID != 0 {
				target = strconv.FormatInt(e.TargetID, 10)
			}
			// Every text through the formula guard: labels and details
			// hold names people chose.
			if err := cw.Write([]string{strconv.FormatInt(e.ID, 10), e.CreatedAt.UTC().Format(time.RFC3339), e.Action, actor,
				usertext.CSVCell(e.ActorEmail), e.IP, e.TargetKind, target, usertext.CSVCell(e.TargetLabel), usertext.CSVCell(e.Detail)}); err != nil {
				return err
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		if len(page) < csvPage {
			return nil
		}
		before = page[len(page)-1].ID
	}
}
