package api

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/extract"
	"github.com/telegramate/telegramate/internal/web/auth"
)

type startExtractionIn struct {
	Body struct {
		AccountID int64  `json:"account_id" doc:"The Telegram account that extracts"`
		ChatID    int64  `json:"chat_id,omitempty" doc:"A chat from GET /accounts/{id}/chats"`
		Chat      string `json:"chat,omitempty" doc:"Or a @username or t.me link of a chat the account can see" example:"@go_devs"`
		Search    string `json:"search,omitempty" doc:"Only members matching this (Telegram's own member search)"`
	}
}

type extractionIn struct {
	ID int64 `path:"id" doc:"The extraction's id"`
}

type extractionOut struct {
	Body extract.Progress
}

type extractionsOut struct {
	Body struct {
		Extractions []extract.Progress `json:"extractions"`
	}
}

// membersIn is a member listing: the extraction's or list's id (huma
// binds no parameters of embedded structs, so the two share this one), the
// format, the page and the filters. The switches are strings so that the
// API reads them with the web form's parser (extract.ParseFlag).
type membersIn struct {
	ID             int64  `path:"id" doc:"The extraction's or member list's id"`
	Format         string `query:"format" enum:"json,csv,xlsx" default:"json" doc:"json: one page of member objects ({members, total, next_cursor}); csv (UTF-8 with BOM) and xlsx: every matching member as a file"`
	Limit          string `query:"limit" doc:"format=json: members per page, 1 to 500 (default 100)"`
	Cursor         string `query:"cursor" doc:"format=json: the next_cursor of the previous page; absent for the first page"`
	ExcludeBots    string `query:"exclude_bots" doc:"true (or 1, yes, on) leaves bots out; false, 0, no, off or absent does not filter"`
	ExcludeDeleted string `query:"exclude_deleted" doc:"true leaves deleted accounts out; false or absent does not filter"`
	HasUsername    string `query:"has_username" doc:"true keeps only members with a username; false or absent does not filter"`
	AdminsOnly     string `query:"admins_only" doc:"true keeps only admins and the creator; false or absent does not filter"`
	Premium        string `query:"premium" doc:"true keeps only Telegram Premium members; false or absent does not filter"`
	SeenWithin     int    `query:"seen_within" minimum:"0" doc:"Last seen within this many days (\"recently\" counts as 3, \"last week\" as 7, \"last month\" as 30)"`
	Q              string `query:"q" doc:"Name, username or phone contains this, ignoring case"`
	Sort           string `query:"sort" enum:"position,name,username,last_seen" default:"position"`
	Order          string `query:"order" enum:"asc,desc,"`
}

func (f membersIn) values() url.Values {
	v := url.Values{}
	v.Set(extract.ParamExcludeBots, f.ExcludeBots)
	v.Set(extract.ParamExcludeDeleted, f.ExcludeDeleted)
	v.Set(extract.ParamHasUsername, f.HasUsername)
	v.Set(extract.ParamAdminsOnly, f.AdminsOnly)
	v.Set(extract.ParamPremium, f.Premium)
	if f.SeenWithin > 0 {
		v.Set(extract.ParamSeenWithin, strconv.Itoa(f.SeenWithin))
	}
	v.Set(extract.ParamSearch, f.Q)
	v.Set(extract.ParamSort, f.Sort)
	v.Set(extract.ParamOrder, f.Order)
	return v
}

// MembersPage is one page of members as format=json gives it.
type MembersPage struct {
	Members []extract.MemberJSON `json:"members"`
	Total   int                  `json:"total" doc:"Members matching the filters, on every page"`
	// NextCursor continues the listing; absent on the last page.
	NextCursor string `json:"next_cursor,omitempty" doc:"Pass as cursor (with the same filters) for the next page; absent on the last page"`
}

// Pages of format=json.
const (
	defaultMembersLimit = 100
	maxMembersLimit     = extract.MaxPerPage
)

var errBadLimit = &apperr.Error{
	Code: apperr.CodeValidation, Field: "limit", Status: http.StatusUnprocessableEntity,
	Message: fmt.Sprintf("limit must be a whole number from 1 to %d", maxMembersLimit),
	Hint:    fmt.Sprintf("Leave it out for %d members a page, and follow next_cursor for the rest; csv and xlsx give every member at once.", defaultMembersLimit),
}

var errPagedFile = &apperr.Error{
	Code: apperr.CodeValidation, Field: "limit", Status: http.StatusUnprocessableEntity,
	Message: "limit and cursor page format=json only",
	Hint:    "A csv or xlsx export holds every matching member; leave limit and cursor out, or ask for format=json.",
}

var errBadMembersCursor = &apperr.Error{
	Code: apperr.CodeValidation, Field: "cursor", Status: http.StatusUnprocessableEntity,
	Message: "cursor is not one this listing gave",
	Hint:    "Pass the next_cursor of the previous page with the same filters, or leave cursor out to start from the first page.",
}

// limit reads the page size of format=json.
func (f membersIn) limit() (int, error) {
	if f.Limit == "" {
		return defaultMembersLimit, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(f.Limit))
	if err != nil || n < 1 || n > maxMembersLimit {
		return 0, errBadLimit
	}
	return n, nil
}

// MemberList is a list of members: an extraction's, or a merge of lists.
type MemberList struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Source       string    `json:"source" enum:"extraction,merge"`
	MemberCount  int       `json:"member_count"`
	ExtractionID int64     `json:"extraction_id,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
}

type listsIn struct {
	Cursor string `query:"cursor" doc:"next_cursor of the previous page"`
	Limit  int    `query:"limit" minimum:"0" maximum:"200" doc:"Page size (default 50)"`
}

type listsOut struct {
	Body struct {
		Lists      []MemberList `json:"lists"`
		NextCursor string       `json:"next_cursor" doc:"Pass as cursor for the next page; empty on the last"`
	}
}

type mergeIn struct {
	Body struct {
		Name    string  `json:"name" example:"Spring audience"`
		ListIDs []int64 `json:"list_ids" doc:"Two or more member lists; each person appears once"`
	}
}

type listOut struct {
	Body MemberList
}

// registerExtractions lists the extraction and member-list endpoints; each
// is a method below.
func (a *API) registerExtractions() {
	if a.deps.Extract == nil {
		return
	}
	op := operation("Member extraction")
	huma.Register(a.huma, op("start-extraction", http.MethodPost, "/extractions",
		"Extract a chat's members: give chat_id (from GET /accounts/{id}/chats) or chat (@username or t.me link); returns at once, the work runs in the background", http.StatusCreated), a.startExtraction)
	huma.Register(a.huma, op("list-extractions", http.MethodGet, "/extractions", "Your extractions, newest first", 0), a.listExtractions)
	huma.Register(a.huma, op("get-extraction", http.MethodGet, "/extractions/{id}",
		"An extraction's progress: status queued, running, waiting (for Telegram, until wait_until), completed, failed or cancelled", 0), a.getExtraction)
	huma.Register(a.huma, op("cancel-extraction", http.MethodPost, "/extractions/{id}/cancel",
		"Stop an extraction; the members saved so far stay in its list", 0), a.cancelExtraction)
	huma.Register(a.huma, a.membersOp(op("list-extraction-members", http.MethodGet, "/extractions/{id}/members",
		"The extraction's members (so far), filtered: a page of JSON, or every member as CSV or XLSX", 0)), a.listExtractionMembers)
	huma.Register(a.huma, op("list-member-lists", http.MethodGet, "/member-lists", "Your member lists, newest first, a page at a time (cursor, limit; next_cursor)", 0), a.listMemberLists)
	huma.Register(a.huma, op("merge-member-lists", http.MethodPost, "/member-lists/merge",
		"Merge lists into a new one (an audience): everyone in them, each person once", http.StatusCreated), a.mergeMemberLists)
	huma.Register(a.huma, a.membersOp(op("list-member-list-members", http.MethodGet, "/member-lists/{id}/members",
		"A member list's members, filtered: a page of JSON, or every member as CSV or XLSX", 0)), a.listMemberListMembers)
}

// membersOp documents the member listings' two answers: a page of JSON,
// or a whole file.
func (a *API) membersOp(o huma.Operation) huma.Operation {
	o.Description = "format=json (the default) answers one page: `{\"members\": [...], \"total\": N, \"next_cursor\": \"...\"}`. " +
		fmt.Sprintf("limit sets its size (1 to %d, default %d); pass next_cursor as cursor, with the same filters, for the next page, ", maxMembersLimit, defaultMembersLimit) +
		"until an answer has no next_cursor. A bad limit or cursor is refused (422). " +
		"format=csv and format=xlsx stream every matching member as a file and take no limit or cursor."
	return a.streamed(o, reflect.TypeFor[MembersPage](), mediaCSV, mediaXLSX)
}

// POST /extractions
func (a *API) startExtraction(ctx context.Context, in *startExtractionIn) (*extractionOut, error) {
	x, err := a.deps.Extract.Start(ctx, auth.WorkspaceID(ctx), extract.StartInput{
		AccountID: in.Body.AccountID, ChatID: in.Body.ChatID, Chat: in.Body.Chat, Search: in.Body.Search,
		IP: ipOf(ctx),
	})
	if err != nil {
		return nil, err
	}
	return &extractionOut{Body: extract.ProgressOf(x, time.Now())}, nil
}

// GET /extractions
func (a *API) listExtractions(ctx context.Context, _ *struct{}) (*extractionsOut, error) {
	xs, err := a.deps.Extract.Extractions(ctx, auth.WorkspaceID(ctx), 200)
	if err != nil {
		return nil, err
	}
	out := &extractionsOut{}
	out.Body.Extractions = make([]extract.Progress, 0, len(xs))
	for _, x := range xs {
		out.Body.Extractions = append(out.Body.Extractions, extract.ProgressOf(x, time.Now()))
	}
	return out, nil
}

// GET /extractions/{id}
func (a *API) getExtraction(ctx context.Context, in *extractionIn) (*extractionOut, error) {
	x, err := a.deps.Extract.Get(ctx, auth.WorkspaceID(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return &extractionOut{Body: extract.ProgressOf(x, time.Now())}, nil
}

// POST /extractions/{id}/cancel
func (a *API) cancelExtraction(ctx context.Context, in *extractionIn) (*extractionOut, error) {
	x, err := a.deps.Extract.Cancel(ctx, auth.WorkspaceID(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return &extractionOut{Body: extract.ProgressOf(x, time.Now())}, nil
}

// GET /extractions/{id}/members
func (a *API) listExtractionMembers(ctx context.Context, in *membersIn) (*huma.StreamResponse, error) {
	l, err := a.deps.Extract.ExtractionList(ctx, auth.WorkspaceID(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return a.members(ctx, l, *in)
}

// GET /member-lists
func (a *API) listMemberLists(ctx context.Context, in *listsIn) (*listsOut, error) {
	ls, next, err := a.deps.Extract.ListsPage(ctx, auth.WorkspaceID(ctx), in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &listsOut{}
	out.Body.NextCursor = next
	out.Body.Lists = make([]MemberList, 0, len(ls))
	for _, l := range ls {
		out.Body.Lists = append(out.Body.Lists, listBody(l))
	}
	return out, nil
}

// POST /member-lists/merge
func (a *API) mergeMemberLists(ctx context.Context, in *mergeIn) (*listOut, error) {
	l, err := a.deps.Extract.Merge(ctx, auth.WorkspaceID(ctx), in.Body.Name, in.Body.ListIDs)
	if err != nil {
		return nil, err
	}
	return &listOut{Body: listBody(extract.ListInfo{MemberList: l})}, nil
}

// GET /member-lists/{id}/members
func (a *API) listMemberListMembers(ctx context.Context, in *membersIn) (*huma.StreamResponse, error) {
	l, err := a.deps.Extract.List(ctx, auth.WorkspaceID(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return a.members(ctx, l, *in)
}

func listBody(l extract.ListInfo) MemberList {
	out := MemberList{ID: l.ID, Name: l.Name, Source: l.Source, MemberCount: l.MemberCount, CreatedAt: l.CreatedAt.UTC()}
	if l.Extraction != nil {
		out.ExtractionID = l.Extraction.ID
	}
	return out
}

// members answers a member listing: a page for format=json, else the
// whole file. Everything that can be refused is refused before the first
// byte, after which an error can only cut the stream short.
func (a *API) members(ctx context.Context, l extract.ListInfo, in membersIn) (*huma.StreamResponse, error) {
	format := in.Format
	if format == "" {
		format = extract.FormatJSON
	}
	if err := extract.CheckFormat(format); err != nil {
		return nil, err
	}
	f, err := extract.ParseFilter(in.values(), time.Now())
	if err != nil {
		return nil, err
	}
	userID := auth.WorkspaceID(ctx)
	if format != extract.FormatJSON {
		if in.Limit != "" || in.Cursor != "" {
			return nil, errPagedFile
		}
		return &huma.StreamResponse{Body: func(hctx huma.Context) {
			hctx.SetHeader("Content-Type", extract.ContentType(format))
			hctx.SetHeader("Cache-Control", "no-store")
			hctx.SetHeader("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": extract.FileName(l.Name, format)}))
			hctx.SetStatus(http.StatusOK)
			if err := a.deps.Extract.Export(hctx.Context(), userID, l.ID, f, format, hctx.BodyWriter()); err != nil {
				auth.NoteError(hctx.Context(), fmt.Errorf("export list %d: %w", l.ID, err))
			}
		}}, nil
	}
	limit, err := in.limit()
	if err != nil {
		return nil, err
	}
	p, err := a.deps.Extract.Members(ctx, userID, l.ID, f, in.Cursor, limit)
	if e, ok := apperr.As(err); ok && e.Field == "after" {
		return nil, errBadMembersCursor
	}
	if err != nil {
		return nil, err
	}
	page := MembersPage{Members: make([]extract.MemberJSON, 0, len(p.Members)), Total: p.Total, NextCursor: p.Next}
	for _, m := range p.Members {
		page.Members = append(page.Members, extract.ToJSON(m))
	}
	body, err := json.Marshal(page)
	if err != nil {
		return nil, err
	}
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		hctx.SetHeader("Content-Type", extract.ContentType(format))
		hctx.SetHeader("Cache-Control", "no-store")
		hctx.SetStatus(http.StatusOK)
		_, _ = hctx.BodyWriter().Write(append(body, '\n'))
	}}, nil
}

func ipOf(ctx context.Context) string {
	return actor(ctx).IP
}
