package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	gen "github.com/telegramate/telegramate/internal/store/postgres/db"
)

func toChat(c gen.AccountChat) store.Chat {
	return store.Chat{
		ID:            c.ID,
		AccountID:     c.AccountID,
		TGChatID:      c.TgChatID,
		AccessHash:    c.AccessHash,
		Kind:          c.Kind,
		Title:         c.Title,
		Username:      c.Username,
		MembersCount:  int(c.MembersCount),
		IsAdmin:       c.IsAdmin,
		IsCreator:     c.IsCreator,
		MembersHidden: c.MembersHidden,
		RefreshedAt:   c.RefreshedAt.UTC(),
	}
}

func toMemberList(l gen.MemberList) store.MemberList {
	return store.MemberList{
		ID:          l.ID,
		UserID:      l.UserID,
		Name:        l.Name,
		Source:      l.Source,
		MemberCount: int(l.MemberCount),
		CreatedAt:   l.CreatedAt.UTC(),
		UpdatedAt:   l.UpdatedAt.UTC(),
	}
}

func toExtraction(e gen.Extraction) store.Extraction {
	return store.Extraction{
		ID:              e.ID,
		UserID:          e.UserID,
		AccountID:       e.AccountID,
		ListID:          e.ListID,
		ChatTGID:        e.ChatTgID,
		ChatAccessHash:  e.ChatAccessHash,
		ChatKind:        e.ChatKind,
		ChatTitle:       e.ChatTitle,
		ChatUsername:    e.ChatUsername,
		Search:          e.Search,
		Status:          e.Status,
		Phase:           e.Phase,
		PhaseOffset:     int(e.PhaseOffset),
		Fetched:         int(e.Fetched),
		Total:           int(e.Total),
		Partial:         e.Partial,
		Cap:             int(e.CapCount),
		MembersHidden:   e.MembersHidden,
		Notice:          e.Notice,
		ErrorCode:       e.ErrorCode,
		ErrorMessage:    e.ErrorMessage,
		ErrorHint:       e.ErrorHint,
		WaitUntil:       fromNullTime(e.WaitUntil),
		RunToken:        e.RunToken,
		RunStartedAt:    fromNullTime(e.RunStartedAt),
		RunStartFetched: int(e.RunStartFetched),
		JobID:           e.JobID.Int64,
		CreatedAt:       e.CreatedAt.UTC(),
		UpdatedAt:       e.UpdatedAt.UTC(),
		FinishedAt:      fromNullTime(e.FinishedAt),
	}
}

func (q queries) ReplaceAccountChats(ctx context.Context, accountID int64, chats []store.Chat, now time.Time) error {
	return q.inTx(ctx, func(q queries) error {
		for _, c := range chats {
			err := q.q.UpsertAccountChat(ctx, gen.UpsertAccountChatParams{
				AccountID:     accountID,
				TgChatID:      c.TGChatID,
				AccessHash:    c.AccessHash,
				Kind:          c.Kind,
				Title:         c.Title,
				Username:      c.Username,
				MembersCount:  int64(c.MembersCount),
				IsAdmin:       c.IsAdmin,
				IsCreator:     c.IsCreator,
				MembersHidden: c.MembersHidden,
				RefreshedAt:   now,
			})
			if err != nil {
				return fmt.Errorf("chat %d: %w", c.TGChatID, mapErr(q.d, err))
			}
		}
		_, err := q.q.DeleteStaleAccountChats(ctx, gen.DeleteStaleAccountChatsParams{AccountID: accountID, RefreshedAt: now})
		return mapErr(q.d, err)
	})
}

func (q queries) ListAccountChats(ctx context.Context, userID, accountID int64) ([]store.Chat, error) {
	rs, err := q.q.ListAccountChats(ctx, gen.ListAccountChatsParams{UserID: userID, AccountID: accountID})
	return many(q.d, rs, err, toChat)
}

func (q queries) AccountChatByTGID(ctx context.Context, userID, accountID, tgChatID int64) (store.Chat, error) {
	r, err := q.q.AccountChatByTGID(ctx, gen.AccountChatByTGIDParams{UserID: userID, AccountID: accountID, TgChatID: tgChatID})
	return one(q.d, r, err, toChat)
}

func (q queries) CreateExtraction(ctx context.Context, n store.NewExtraction) (store.Extraction, error) {
	var out store.Extraction
	err := q.inTx(ctx, func(q queries) error {
		l, err := q.q.CreateMemberList(ctx, gen.CreateMemberListParams{
			UserID: n.UserID, Name: n.ListName, Source: store.ListFromExtraction, Now: n.Now,
		})
		if err != nil {
			return mapErr(q.d, err)
		}
		e, err := q.q.CreateExtraction(ctx, gen.CreateExtractionParams{
			UserID:         n.UserID,
			AccountID:      n.AccountID,
			ListID:         l.ID,
			ChatTgID:       n.Chat.TGChatID,
			ChatAccessHash: n.Chat.AccessHash,
			ChatKind:       n.Chat.Kind,
			ChatTitle:      n.Chat.Title,
			ChatUsername:   n.Chat.Username,
			Search:         n.Search,
			Now:            n.Now,
		})
		if err != nil {
			return mapErr(q.d, err)
		}
		out = toExtraction(e)
		return nil
	})
	return out, err
}

func (q queries) SetExtractionJob(ctx context.Context, id, jobID int64) error {
	n, err := q.q.SetExtractionJob(ctx, gen.SetExtractionJobParams{ID: id, JobID: nullID(jobID)})
	return affected(q.d, n, err)
}

func (q queries) ExtractionByID(ctx context.Context, userID, id int64) (store.Extraction, error) {
	r, err := q.q.ExtractionByID(ctx, gen.ExtractionByIDParams{ID: id, UserID: userID})
	return one(q.d, r, err, toExtraction)
}

func (q queries) ExtractionByListID(ctx context.Context, userID, listID int64) (store.Extraction, error) {
	r, err := q.q.ExtractionByListID(ctx, gen.ExtractionByListIDParams{ListID: listID, UserID: userID})
	return one(q.d, r, err, toExtraction)
}

func (q queries) ExtractionForWork(ctx context.Context, id int64) (store.Extraction, error) {
	r, err := q.q.ExtractionForWork(ctx, id)
	return one(q.d, r, err, toExtraction)
}

func (q queries) ListExtractions(ctx context.Context, userID int64, limit int) ([]store.Extraction, error) {
	rs, err := q.q.ListExtractions(ctx, gen.ListExtractionsParams{UserID: userID, MaxRows: int64(limit)})
	return many(q.d, rs, err, toExtraction)
}

func (q queries) StartExtractionRun(ctx context.Context, id int64, runToken string, now time.Time) (store.Extraction, error) {
	r, err := q.q.StartExtractionRun(ctx, gen.StartExtractionRunParams{ID: id, RunToken: runToken, Now: nullTime(now)})
	return one(q.d, r, err, toExtraction)
}

func (q queries) SaveMembersPage(ctx context.Context, cp store.Checkpoint, members []store.Member) (int, error) {
	var fetched int64
	err := q.inTx(ctx, func(q queries) error {
		e, err := q.q.ExtractionForWork(ctx, cp.ExtractionID)
		if err != nil {
			return lostRun(q.d, cp.ExtractionID, err)
		}
		if e.RunToken != cp.RunToken || e.Status != store.ExtractionRunning {
			return fmt.Errorf("extraction %d: run lost: %w", cp.ExtractionID, store.ErrConflict)
		}
		added, err := q.insertMembers(ctx, e.ListID, members)
		if err != nil {
			return err
		}
		fetched, err = q.q.CheckpointExtraction(ctx, gen.CheckpointExtractionParams{
			Phase:         cp.Phase,
			PhaseOffset:   int64(cp.PhaseOffset),
			Added:         added,
			Total:         int64(cp.Total),
			Partial:       cp.Partial,
			CapCount:      int64(cp.Cap),
			MembersHidden: cp.MembersHidden,
			Notice:        cp.Notice,
			Now:           cp.Now,
			ID:            cp.ExtractionID,
			RunToken:      cp.RunToken,
		})
		if err != nil {
			return lostRun(q.d, cp.ExtractionID, err)
		}
		return mapErr(q.d, q.q.SetMemberListCount(ctx, gen.SetMemberListCountParams{
			MemberCount: fetched, Now: cp.Now, ID: e.ListID,
		}))
	})
	return int(fetched), err
}

// lostRun reads "no row updated" as the run having lost its extraction.
func lostRun(d *Dialect, id int64, err error) error {
	err = mapErr(d, err)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("extraction %d: run lost: %w", id, store.ErrConflict)
	}
	return err
}

func (q queries) SetExtractionWaiting(ctx context.Context, id int64, runToken string, until, now time.Time) error {
	n, err := q.q.SetExtractionWaiting(ctx, gen.SetExtractionWaitingParams{ID: id, RunToken: runToken, WaitUntil: nullTime(until), Now: now})
	return lostRun(q.d, id, affected(q.d, n, err))
}

func (q queries) FinishExtraction(ctx context.Context, id int64, runToken, status, code, message, hint string, now time.Time) error {
	n, err := q.q.FinishExtraction(ctx, gen.FinishExtractionParams{
		Status: status, ErrorCode: code, ErrorMessage: message, ErrorHint: hint,
		Now: nullTime(now), ID: id, RunToken: runToken,
	})
	return lostRun(q.d, id, affected(q.d, n, err))
}

func (q queries) CancelExtraction(ctx context.Context, userID, id int64, now time.Time) (store.Extraction, error) {
	var out store.Extraction
	err := q.inTx(ctx, func(q queries) error {
		r, err := q.q.CancelExtraction(ctx, gen.CancelExtractionParams{ID: id, UserID: userID, Now: nullTime(now)})
		if err == nil {
			out = toExtraction(r)
			return nil
		}
		if err = mapErr(q.d, err); !errors.Is(err, store.ErrNotFound) {
			return err
		}
		// Tell "not yours / no such" from "already over".
		if _, err := q.q.ExtractionByID(ctx, gen.ExtractionByIDParams{ID: id, UserID: userID}); err != nil {
			return mapErr(q.d, err)
		}
		return fmt.Errorf("extraction %d is already over: %w", id, store.ErrConflict)
	})
	return out, err
}

func (q queries) ListMemberLists(ctx context.Context, userID int64) ([]store.MemberList, error) {
	rs, err := q.q.ListMemberLists(ctx, userID)
	return many(q.d, rs, err, toMemberList)
}

func (q queries) MemberListsPage(ctx context.Context, userID, beforeID int64, limit int) ([]store.MemberList, error) {
	if beforeID <= 0 {
		beforeID = math.MaxInt64
	}
	rs, err := q.q.MemberListsPage(ctx, gen.MemberListsPageParams{UserID: userID, BeforeID: beforeID, MaxRows: int64(limit)})
	return many(q.d, rs, err, toMemberList)
}

// SearchMemberLists is written by hand: sqlc's SQLite parser refuses
// LIKE … ESCAPE.
func (q queries) SearchMemberLists(ctx context.Context, userID int64, text string, limit int) ([]store.MemberList, error) {
	rows, err := q.query(ctx, `SELECT id, user_id, name, source, member_count, created_at, updated_at FROM member_lists `+
		`WHERE user_id = ? AND lower(name) LIKE lower(?) ESCAPE '\' ORDER BY id DESC LIMIT ?`,
		userID, "%"+escapeLike(text)+"%", limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.MemberList
	for rows.Next() {
		var l gen.MemberList
		if err := rows.Scan(&l.ID, &l.UserID, &l.Name, &l.Source, &l.MemberCount, &l.CreatedAt, &l.UpdatedAt); err != nil {
			return nil, mapErr(q.d, err)
		}
		out = append(out, toMemberList(l))
	}
	return out, mapErr(q.d, rows.Err())
}

func (q queries) MemberListCounts(ctx context.Context, userID int64) (lists, ready int, err error) {
	r, err := q.q.MemberListCounts(ctx, userID)
	if err != nil {
		return 0, 0, mapErr(q.d, err)
	}
	return int(r.Lists), int(r.Ready), nil
}

func (q queries) MemberListByID(ctx context.Context, userID, id int64) (store.MemberList, error) {
	r, err := q.q.MemberListByID(ctx, gen.MemberListByIDParams{ID: id, UserID: userID})
	return one(q.d, r, err, toMemberList)
}

func (q queries) RenameMemberList(ctx context.Context, userID, id int64, name string, now time.Time) error {
	n, err := q.q.RenameMemberList(ctx, gen.RenameMemberListParams{ID: id, UserID: userID, Name: name, Now: now})
	return affected(q.d, n, err)
}

func (q queries) DeleteMemberList(ctx context.Context, userID, id int64) error {
	return q.inTx(ctx, func(q queries) error {
		n, err := q.q.DeleteMemberList(ctx, gen.DeleteMemberListParams{ID: id, UserID: userID})
		if err := affected(q.d, n, err); err != nil {
			return err
		}
		return mapErr(q.d, q.q.DeleteListMembers(ctx, id))
	})
}

func (q queries) MergeMemberLists(ctx context.Context, userID int64, name string, listIDs []int64, now time.Time) (store.MemberList, error) {
	var out store.MemberList
	err := q.inTx(ctx, func(q queries) error {
		for _, id := range listIDs {
			if _, err := q.q.MemberListByID(ctx, gen.MemberListByIDParams{ID: id, UserID: userID}); err != nil {
				return fmt.Errorf("list %d: %w", id, mapErr(q.d, err))
			}
		}
		l, err := q.q.CreateMemberList(ctx, gen.CreateMemberListParams{UserID: userID, Name: name, Source: store.ListFromMerge, Now: now})
		if err != nil {
			return mapErr(q.d, err)
		}
		var total int64
		for _, id := range listIDs {
			n, err := q.q.CopyListMembers(ctx, gen.CopyListMembersParams{ToListID: l.ID, FromListID: id})
			if err != nil {
				return fmt.Errorf("copy list %d: %w", id, mapErr(q.d, err))
			}
			total += n
		}
		if err := q.q.SetMemberListCount(ctx, gen.SetMemberListCountParams{MemberCount: total, Now: now, ID: l.ID}); err != nil {
			return mapErr(q.d, err)
		}
		l.MemberCount = total
		out = toMemberList(l)
		return nil
	})
	return out, err
}

func (q queries) PeerAccessHash(ctx context.Context, accountID, tgUserID int64) (int64, error) {
	h, err := q.q.PeerAccessHash(ctx, gen.PeerAccessHashParams{AccountID: accountID, TgUserID: tgUserID})
	return h, mapErr(q.d, err)
}
