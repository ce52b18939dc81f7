package extract

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/store"
)

// ListInfo is a member list with the extraction that filled it, if any.
type ListInfo struct {
	store.MemberList
	Extraction *store.Extraction
}

// Lists is the user's member lists, newest first.
func (s *Service) Lists(ctx context.Context, userID int64) ([]ListInfo, error) {
	lists, err := s.st.ListMemberLists(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("member lists: %w", err)
	}
	xs, err := s.st.ListExtractions(ctx, userID, len(lists)+1)
	if err != nil {
		return nil, fmt.Errorf("member lists: %w", err)
	}
	byList := map[int64]*store.Extraction{}
	for i := range xs {
		byList[xs[i].ListID] = &xs[i]
	}
	out := make([]ListInfo, len(lists))
	for i, l := range lists {
		out[i] = ListInfo{MemberList: l, Extraction: byList[l.ID]}
	}
	return out, nil
}

// MaxListsPage bounds a page of the lists.
const MaxListsPage = 200

// ListsPage is a page of the user's member lists, newest first, each with
// the extraction that fills it, after cursor (a previous page's next; ""
// for the first); next is "" on the last page. limit 0 is 50.
func (s *Service) ListsPage(ctx context.Context, userID int64, cursor string, limit int) (out []ListInfo, next string, err error) {
	var before int64
	if cursor != "" {
		if before, err = strconv.ParseInt(cursor, 10, 64); err != nil || before <= 0 {
			return nil, "", &apperr.Error{Code: apperr.CodeValidation, Field: "cursor", Message: "That page link is not valid",
				Hint: "Start again from the first page.", Status: http.StatusUnprocessableEntity}
		}
	}
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, MaxListsPage)
	lists, err := s.st.MemberListsPage(ctx, userID, before, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("member lists: %w", err)
	}
	if len(lists) > limit {
		lists = lists[:limit]
		next = strconv.FormatInt(lists[limit-1].ID, 10)
	}
	out = make([]ListInfo, len(lists))
	for i, l := range lists {
		out[i] = ListInfo{MemberList: l}
		if l.Source != store.ListFromExtraction {
			continue
		}
		x, err := s.st.ExtractionByListID(ctx, userID, l.ID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, "", fmt.Errorf("member list %d: %w", l.ID, err)
		}
		if err == nil {
			out[i].Extraction = &x
		}
	}
	return out, next, nil
}

// MaxSearchResults bounds a picker's matches: a picker lists what a
// person can read through, and narrows by typing.
const MaxSearchResults = 50

// SearchLists is at most limit of the user's member lists whose name
// contains text (any case), newest first, each with the extraction that
// fills it (whose account and date tell same-named lists apart); ""
// gives the newest.
func (s *Service) SearchLists(ctx context.Context, userID int64, text string, limit int) ([]ListInfo, error) {
	if limit <= 0 || limit > MaxSearchResults {
		limit = MaxSearchResults
	}
	text = strings.ToValidUTF8(strings.TrimSpace(text), "")
	if r := []rune(text); len(r) > 200 {
		text = string(r[:200])
	}
	lists, err := s.st.SearchMemberLists(ctx, userID, text, limit)
	if err != nil {
		return nil, fmt.Errorf("search member lists: %w", err)
	}
	out := make([]ListInfo, len(lists))
	for i, l := range lists {
		if out[i], err = s.withExtraction(ctx, userID, l); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ListCounts counts the user's member lists, and those ready to send to
// (merged, or filled by a finished extraction), without reading them.
func (s *Service) ListCounts(ctx context.Context, userID int64) (lists, ready int, err error) {
	lists, ready, err = s.st.MemberListCounts(ctx, userID)
	if err != nil {
		return 0, 0, fmt.Errorf("count member lists: %w", err)
	}
	return lists, ready, nil
}

func (s *Service) withExtraction(ctx context.Context, userID int64, l store.MemberList) (ListInfo, error) {
	info := ListInfo{MemberList: l}
	if l.Source != store.ListFromExtraction {
		return info, nil
	}
	x, err := s.st.ExtractionByListID(ctx, userID, l.ID)
	if errors.Is(err, store.ErrNotFound) {
		return info, nil
	}
	if err != nil {
		return info, fmt.Errorf("member list %d: %w", l.ID, err)
	}
	info.Extraction = &x
	return info, nil
}

// List is one of the user's member lists.
func (s *Service) List(ctx context.Context, userID, listID int64) (ListInfo, error) {
	l, err := s.st.MemberListByID(ctx, userID, listID)
	if errors.Is(err, store.ErrNotFound) {
		return ListInfo{}, apperr.NotFound("Member list")
	}
	if err != nil {
		return ListInfo{}, fmt.Errorf("member list %d: %w", listID, err)
	}
	info := ListInfo{MemberList: l}
	if l.Source == store.ListFromExtraction {
		x, err := s.st.ExtractionByListID(ctx, userID, listID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return ListInfo{}, fmt.Errorf("member list %d: %w", listID, err)
		}
		if err == nil {
			info.Extraction = &x
		}
	}
	return info, nil
}

// ExtractionList is the member list an extraction fills.
func (s *Service) ExtractionList(ctx context.Context, userID, extractionID int64) (ListInfo, error) {
	x, err := s.Get(ctx, userID, extractionID)
	if err != nil {
		return ListInfo{}, err
	}
	return s.List(ctx, userID, x.ListID)
}

// Rename renames a list.
func (s *Service) Rename(ctx context.Context, userID, listID int64, name string) error {
	if err := actor.Require(ctx, actor.Operator); err != nil {
		return err
	}
	name, err := checkName(name)
	if err != nil {
		return err
	}
	err = s.st.RenameMemberList(ctx, userID, listID, name, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return apperr.NotFound("Member list")
	}
	return err
}

// Delete deletes a list and its members (and the extraction that filled it
// stays in no list; it is deleted with it).
func (s *Service) Delete(ctx context.Context, userID, listID int64) error {
	if err := actor.Require(ctx, actor.Operator); err != nil {
		return err
	}
	err := s.st.DeleteMemberList(ctx, userID, listID)
	if errors.Is(err, store.ErrNotFound) {
		return apperr.NotFound("Member list")
	}
	return err
}

func checkName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", apperr.Validation("name", "Give the list a name")
	case utf8.RuneCountInString(name) > 200:
		return "", apperr.Validation("name", "A list name can be at most 200 characters")
	}
	return name, nil
}

// Merge makes an audience: a new list of everyone in the given lists, each
// person once.
func (s *Service) Merge(ctx context.Context, userID int64, name string, listIDs []int64) (store.MemberList, error) {
	if err := actor.Require(ctx, actor.Operator); err != nil {
		return store.MemberList{}, err
	}
	name, err := checkName(name)
	if err != nil {
		return store.MemberList{}, err
	}
	seen := map[int64]bool{}
	var ids []int64
	for _, id := range listIDs {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if len(ids) < 2 {
		return store.MemberList{}, ErrTooManyLists
	}
	l, err := s.st.MergeMemberLists(ctx, userID, name, ids, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return store.MemberList{}, apperr.NotFound("Member list")
	}
	if err != nil {
		return store.MemberList{}, fmt.Errorf("merge lists: %w", err)
	}
	return l, nil
}

// MemberPage is one page of a filtered view.
type MemberPage struct {
	Members []store.Member
	Total   int    // members passing the filter
	Next    string // cursor of the next page; "" on the last
}

// MaxPerPage bounds a browsing page.
const MaxPerPage = 500

// Members is a page of a list's filtered view, after the cursor a
// previous page gave ("" for the first).
func (s *Service) Members(ctx context.Context, userID, listID int64, f store.MemberFilter, cursor string, perPage int) (MemberPage, error) {
	if _, err := s.List(ctx, userID, listID); err != nil {
		return MemberPage{}, err
	}
	after, err := decodeCursor(f, cursor)
	if err != nil {
		return MemberPage{}, err
	}
	perPage = min(max(perPage, 1), MaxPerPage)
	total, err := s.st.CountMembers(ctx, listID, f)
	if err != nil {
		return MemberPage{}, err
	}
	ms, err := s.st.ListMembers(ctx, listID, f, after, perPage+1)
	if err != nil {
		return MemberPage{}, err
	}
	p := MemberPage{Members: ms, Total: total}
	if len(ms) > perPage {
		p.Members = ms[:perPage]
		p.Next = encodeCursor(f.CursorAfter(ms[perPage-1]))
	}
	return p, nil
}

// CursorAt is the cursor that starts the view's page at position pos (0 is
// the first member, whose cursor is ""), for a "Previous" link: cursors only
// go forward, so it walks the view up to pos, which costs about as much as
// reading pos members.
func (s *Service) CursorAt(ctx context.Context, userID, listID int64, f store.MemberFilter, pos int) (string, error) {
	if pos <= 0 {
		return "", nil
	}
	if _, err := s.List(ctx, userID, listID); err != nil {
		return "", err
	}
	var (
		n      int
		cursor string
	)
	errFound := errors.New("found")
	err := s.st.ScanMembers(ctx, listID, f, func(m store.Member) error {
		if n++; n == pos {
			cursor = encodeCursor(f.CursorAfter(m))
			return errFound
		}
		return nil
	})
	if err != nil && !errors.Is(err, errFound) {
		return "", fmt.Errorf("member list %d: %w", listID, err)
	}
	if cursor == "" {
		return "", errBadPosition
	}
	return cursor, nil
}

var errBadPosition = apperr.Validation("at", "The page link is not valid; start from the first page")

// Cursors are "<row id>" for the order of discovery and "<row
// id>.<base64url key>" for the others.
func encodeCursor(c store.MemberCursor) string {
	id := strconv.FormatInt(c.ID, 10)
	switch k := c.Key.(type) {
	case string:
		return id + "." + base64.RawURLEncoding.EncodeToString([]byte(k))
	case int64:
		return id + "." + base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(k, 10)))
	}
	return id
}

var errBadCursor = apperr.Validation("after", "The page link is not valid; start from the first page")

func decodeCursor(f store.MemberFilter, s string) (store.MemberCursor, error) {
	if s == "" {
		return store.MemberCursor{}, nil
	}
	idText, keyText, hasKey := strings.Cut(s, ".")
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id <= 0 {
		return store.MemberCursor{}, errBadCursor
	}
	c := store.MemberCursor{ID: id}
	zero := f.CursorAfter(store.Member{})
	if zero.Key == nil {
		return c, nil
	}
	if !hasKey {
		return store.MemberCursor{}, errBadCursor
	}
	raw, err := base64.RawURLEncoding.DecodeString(keyText)
	if err != nil {
		return store.MemberCursor{}, errBadCursor
	}
	switch zero.Key.(type) {
	case string:
		c.Key = string(raw)
	case int64:
		n, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil {
			return store.MemberCursor{}, errBadCursor
		}
		c.Key = n
	}
	return c, nil
}

// Filter query parameters, shared by the UI and the API.
const (
	ParamExcludeBots    = "exclude_bots"
	ParamExcludeDeleted = "exclude_deleted"
	ParamHasUsername    = "has_username"
	ParamAdminsOnly     = "admins_only"
	ParamPremium        = "premium"
	ParamSeenWithin     = "seen_within" // days
	ParamSearch         = "q"
	ParamSort           = "sort"
	ParamOrder          = "order" // asc or desc
)

// ParseFlag reads a filter switch as the web form and API clients write it:
// true, 1, yes or on; false, 0, no, off or nothing. ok is false for
// anything else.
func ParseFlag(s string) (on, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "0", "false", "no", "off":
		return false, true
	case "1", "true", "yes", "on":
		return true, true
	}
	return false, false
}

// ParseFilter reads a filtered view from query parameters; now anchors
// "last seen within N days".
func ParseFilter(v url.Values, now time.Time) (store.MemberFilter, error) {
	var f store.MemberFilter
	flags := []struct {
		name string
		to   *bool
	}{
		{ParamExcludeBots, &f.ExcludeBots}, {ParamExcludeDeleted, &f.ExcludeDeleted}, {ParamHasUsername, &f.HasUsername},
		{ParamAdminsOnly, &f.AdminsOnly}, {ParamPremium, &f.PremiumOnly},
	}
	for _, fl := range flags {
		on, ok := ParseFlag(v.Get(fl.name))
		if !ok {
			return f, apperr.Validation(fl.name, fl.name+" must be true or false (1 or 0, yes or no, on or off)")
		}
		*fl.to = on
	}
	if d := strings.TrimSuffix(strings.TrimSpace(v.Get(ParamSeenWithin)), "d"); d != "" {
		days, err := strconv.Atoi(d)
		if err != nil || days < 1 || days > 3650 {
			return f, apperr.Validation(ParamSeenWithin, "seen_within is a number of days, from 1 to 3650")
		}
		f.SeenSince = now.Add(-time.Duration(days) * 24 * time.Hour)
	}
	f.Search = strings.TrimSpace(v.Get(ParamSearch))
	if utf8.RuneCountInString(f.Search) > 100 {
		return f, apperr.Validation(ParamSearch, "The search text can be at most 100 characters")
	}
	switch sort := strings.TrimSpace(v.Get(ParamSort)); sort {
	case "", store.SortPosition:
		f.Sort = store.SortPosition
	case store.SortName, store.SortUsername, store.SortLastSeen:
		f.Sort = sort
		// Most recently seen first unless asked otherwise.
		f.Desc = sort == store.SortLastSeen
	default:
		return f, apperr.Validation(ParamSort, "sort is one of position, name, username, last_seen")
	}
	switch strings.ToLower(strings.TrimSpace(v.Get(ParamOrder))) {
	case "":
	case "asc":
		f.Desc = false
	case "desc":
		f.Desc = true
	default:
		return f, apperr.Validation(ParamOrder, "order is asc or desc")
	}
	return f, nil
}
