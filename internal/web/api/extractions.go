package api

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

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
// format and the filters.
type membersIn struct {
	ID             int64  `path:"id" doc:"The extraction's or member list's id"`
	Format         string `query:"format" enum:"json,csv,xlsx" default:"json" doc:"json: an array of member objects; csv (UTF-8 with BOM) and xlsx: the same rows as a file"`
	ExcludeBots    bool   `query:"exclude_bots" doc:"true leaves bots out; false or absent does not filter"`
	ExcludeDeleted bool   `query:"exclude_deleted" doc:"true leaves deleted accounts out; false or absent does not filter"`
	HasUsername    bool   `query:"has_username" doc:"true keeps only members with a username; false or absent does not filter"`
	AdminsOnly     bool   `query:"admins_only" doc:"true keeps only admins and the creator; false or absent does not filter"`
	Premium        bool   `query:"premium" doc:"true keeps only Telegram Premium members; false or absent does not filter"`
	SeenWithin     int    `query:"seen_within" minimum:"0" doc:"Last seen within this many days (\"recently\" counts as 3, \"last week\" as 7, \"last month\" as 30)"`
	Q              string `query:"q" doc:"Name, username or phone contains this, ignoring case"`
	Sort           string `query:"sort" enum:"position,name,username,last_seen" default:"position"`
	Order          string `query:"order" enum:"asc,desc,"`
}

func (f membersIn) values() url.Values {
	v := url.Values{}
	set := func(k string, on bool) {
		if on {
			v.Set(k, "1")
		}
	}
	set(extract.ParamExcludeBots, f.ExcludeBots)
	set(extract.ParamExcludeDeleted, f.ExcludeDeleted)
	set(extract.ParamHasUsername, f.HasUsername)
	set(extract.ParamAdminsOnly, f.AdminsOnly)
	set(extract.ParamPremium, f.Premium)
	if f.SeenWithin > 0 {
		v.Set(extract.ParamSeenWithin, strconv.Itoa(f.SeenWithin))
	}
	v.Set(extract.ParamSearch, f.Q)
	v.Set(extract.ParamSort, f.Sort)
	v.Set(extract.ParamOrder, f.Order)
	return v
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

type listsOut struct {
	Body struct {
		Lists []MemberList `json:"lists"`
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

func (a *API) registerExtractions() {
	svc := a.deps.Extract
	if svc == nil {
		return
	}
	tags := []string{"Member extraction"}
	op := func(id, method, path, summary string, status int) huma.Operation {
		return huma.Operation{
			OperationID: id, Method: method, Path: path, Summary: summary, Tags: tags,
			DefaultStatus: status, Middlewares: huma.Middlewares{withClientIP},
		}
	}
	progress := func(ctx context.Context, id int64) (*extractionOut, error) {
		x, err := svc.Get(ctx, auth.UserFrom(ctx).ID, id)
		if err != nil {
			return nil, err
		}
		return &extractionOut{Body: extract.ProgressOf(x, time.Now())}, nil
	}

	huma.Register(a.huma, op("start-extraction", http.MethodPost, "/extractions",
		"Extract a chat's members: give chat_id (from GET /accounts/{id}/chats) or chat (@username or t.me link); returns at once, the work runs in the background", http.StatusCreated),
		func(ctx context.Context, in *startExtractionIn) (*extractionOut, error) {
			x, err := svc.Start(ctx, auth.UserFrom(ctx).ID, extract.StartInput{
				AccountID: in.Body.AccountID, ChatID: in.Body.ChatID, Chat: in.Body.Chat, Search: in.Body.Search,
				IP: ipOf(ctx),
			})
			if err != nil {
				return nil, err
			}
			return &extractionOut{Body: extract.ProgressOf(x, time.Now())}, nil
		})
	huma.Register(a.huma, op("list-extractions", http.MethodGet, "/extractions", "Your extractions, newest first", 0),
		func(ctx context.Context, _ *struct{}) (*extractionsOut, error) {
			xs, err := svc.Extractions(ctx, auth.UserFrom(ctx).ID, 200)
			if err != nil {
				return nil, err
			}
			out := &extractionsOut{}
			out.Body.Extractions = make([]extract.Progress, 0, len(xs))
			for _, x := range xs {
				out.Body.Extractions = append(out.Body.Extractions, extract.ProgressOf(x, time.Now()))
			}
			return out, nil
		})
	huma.Register(a.huma, op("get-extraction", http.MethodGet, "/extractions/{id}",
		"An extraction's progress: status queued, running, waiting (for Telegram, until wait_until), completed, failed or cancelled", 0),
		func(ctx context.Context, in *extractionIn) (*extractionOut, error) { return progress(ctx, in.ID) })
	huma.Register(a.huma, op("cancel-extraction", http.MethodPost, "/extractions/{id}/cancel",
		"Stop an extraction; the members saved so far stay in its list", 0),
		func(ctx context.Context, in *extractionIn) (*extractionOut, error) {
			x, err := svc.Cancel(ctx, auth.UserFrom(ctx).ID, in.ID)
			if err != nil {
				return nil, err
			}
			return &extractionOut{Body: extract.ProgressOf(x, time.Now())}, nil
		})
	huma.Register(a.huma, op("list-extraction-members", http.MethodGet, "/extractions/{id}/members",
		"The extraction's members (so far), filtered, as JSON, CSV or XLSX; streamed", 0),
		func(ctx context.Context, in *membersIn) (*huma.StreamResponse, error) {
			l, err := svc.ExtractionList(ctx, auth.UserFrom(ctx).ID, in.ID)
			if err != nil {
				return nil, err
			}
			return exportResponse(ctx, svc, l.ID, l.Name, *in)
		})

	huma.Register(a.huma, op("list-member-lists", http.MethodGet, "/member-lists", "Your member lists, newest first", 0),
		func(ctx context.Context, _ *struct{}) (*listsOut, error) {
			ls, err := svc.Lists(ctx, auth.UserFrom(ctx).ID)
			if err != nil {
				return nil, err
			}
			out := &listsOut{}
			out.Body.Lists = make([]MemberList, 0, len(ls))
			for _, l := range ls {
				out.Body.Lists = append(out.Body.Lists, listBody(l))
			}
			return out, nil
		})
	huma.Register(a.huma, op("merge-member-lists", http.MethodPost, "/member-lists/merge",
		"Merge lists into a new one (an audience): everyone in them, each person once", http.StatusCreated),
		func(ctx context.Context, in *mergeIn) (*listOut, error) {
			l, err := svc.Merge(ctx, auth.UserFrom(ctx).ID, in.Body.Name, in.Body.ListIDs)
			if err != nil {
				return nil, err
			}
			return &listOut{Body: listBody(extract.ListInfo{MemberList: l})}, nil
		})
	huma.Register(a.huma, op("list-member-list-members", http.MethodGet, "/member-lists/{id}/members",
		"A member list's members, filtered, as JSON, CSV or XLSX; streamed", 0),
		func(ctx context.Context, in *membersIn) (*huma.StreamResponse, error) {
			l, err := svc.List(ctx, auth.UserFrom(ctx).ID, in.ID)
			if err != nil {
				return nil, err
			}
			return exportResponse(ctx, svc, l.ID, l.Name, *in)
		})
}

func listBody(l extract.ListInfo) MemberList {
	out := MemberList{ID: l.ID, Name: l.Name, Source: l.Source, MemberCount: l.MemberCount, CreatedAt: l.CreatedAt.UTC()}
	if l.Extraction != nil {
		out.ExtractionID = l.Extraction.ID
	}
	return out
}

// exportResponse checks the request, then streams the rows: an error
// after the first byte can only cut the stream short, so everything that
// can be refused is refused before it.
func exportResponse(ctx context.Context, svc *extract.Service, listID int64, name string, in membersIn) (*huma.StreamResponse, error) {
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
	userID := auth.UserFrom(ctx).ID
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		hctx.SetHeader("Content-Type", extract.ContentType(format))
		hctx.SetHeader("Cache-Control", "no-store")
		if format != extract.FormatJSON {
			hctx.SetHeader("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": extract.FileName(name, format)}))
		}
		hctx.SetStatus(http.StatusOK)
		if err := svc.Export(hctx.Context(), userID, listID, f, format, hctx.BodyWriter()); err != nil {
			auth.NoteError(hctx.Context(), fmt.Errorf("export list %d: %w", listID, err))
		}
	}}, nil
}

func ipOf(ctx context.Context) string {
	return actor(ctx).IP
}
