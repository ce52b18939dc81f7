package api

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/campaign/message"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/web/auth"
)

// CampaignIn is a new campaign as POST /campaigns takes it.
type CampaignIn struct {
	Name     string `json:"name" example:"Spring meetup invite"`
	Message  string `json:"message" doc:"Text with {first_name}, {last_name}, {full_name}, {username} (fallbacks: {first_name|there}) and **bold**, __italic__, ++underline++, ~~strike~~, code in backticks, [links](https://…)"`
	MediaID  int64  `json:"media_id,omitempty" doc:"A file stored with POST /media to send with the message, which becomes its caption (Telegram allows 1,024 characters in a caption, checked for every recipient)"`
	Audience struct {
		ExtractionIDs []int64  `json:"extraction_ids,omitempty" doc:"Members of these extractions' lists"`
		ListIDs       []int64  `json:"list_ids,omitempty" doc:"Members of these member lists (merged lists too)"`
		Usernames     []string `json:"usernames,omitempty" doc:"People by @username (resolved by a sending account, within its look-up budget)"`
		UserIDs       []int64  `json:"user_ids,omitempty" doc:"People by Telegram user id (reachable when a sending account extracted them)"`
	} `json:"audience"`
	SenderAccountIDs []int64 `json:"sender_account_ids" doc:"Your accounts that send; each recipient goes to one that can reach them"`
	Pacing           struct {
		MinIntervalSeconds *int `json:"min_interval_seconds,omitempty" doc:"Least seconds between two messages of one account (default 30; 0 turns it off)"`
		DailyCap           *int `json:"daily_cap,omitempty" doc:"Most messages per account per day (default 50)"`
		Window             *struct {
			From     string `json:"from" example:"09:00"`
			To       string `json:"to" example:"20:00"`
			TimeZone string `json:"time_zone" example:"Europe/Berlin"`
		} `json:"window,omitempty" doc:"Send only between these times of day"`
		RatePerHour int `json:"rate_per_hour,omitempty" doc:"Most messages per hour for the whole campaign (0: no cap beyond the accounts')"`
	} `json:"pacing,omitempty"`
	OptOutFooter   *bool      `json:"opt_out_footer,omitempty" doc:"Add \"Reply STOP to stop receiving messages\" (default true)"`
	LinkPreview    bool       `json:"link_preview,omitempty" doc:"Let Telegram show a preview of the first link"`
	StartAt        *time.Time `json:"start_at,omitempty" doc:"Start then instead of at once (start makes it scheduled)"`
	FailurePercent *int       `json:"failure_percent,omitempty" doc:"Pause when more than this share of the last 50 messages failed, counted from the first message on: the campaign pauses at failures > failure_percent × 50 / 100, so 10 (the default) takes 6 failures and 2 failed of 4 does not pause; 100 turns it off"`
	Steps          []StepIn   `json:"steps,omitempty" maxItems:"3" doc:"Follow-ups (steps 2 to 4): each goes to a recipient who has not replied, after_seconds after the step before reached them, from the same account at the same pace. Any message the person writes to that account, an opt-out or a suppression cancels their remaining steps"`
}

// StepIn is a follow-up as POST /campaigns takes it.
type StepIn struct {
	Message      string `json:"message" doc:"As message: the same placeholders and formatting, checked for every recipient"`
	AfterSeconds int    `json:"after_seconds" minimum:"1" maximum:"7776000" example:"172800" doc:"Seconds after the step before reached the recipient (at most 90 days); the message then waits for the account's pace and window"`
	MediaID      int64  `json:"media_id,omitempty" doc:"As media_id: a file stored with POST /media, sent with this step's message as its caption"`
}

// Campaign is a campaign as the API shows it.
type Campaign struct {
	ID           int64          `json:"id"`
	Name         string         `json:"name"`
	Status       string         `json:"status" enum:"draft,scheduled,running,paused,completed,cancelled"`
	PauseReason  string         `json:"pause_reason,omitempty"`
	StatusDetail string         `json:"status_detail,omitempty" doc:"Set while the campaign runs but none of its accounts can send now: why, and when sending resumes"`
	ResumesAt    *time.Time     `json:"resumes_at,omitempty" doc:"While no account can send: the earliest time one goes on by itself; absent when each needs a person"`
	Message      string         `json:"message"`
	MediaID      int64          `json:"media_id,omitempty" doc:"The file the first message attaches; absent for none"`
	OptOutFooter bool           `json:"opt_out_footer"`
	LinkPreview  bool           `json:"link_preview"`
	Recipients   int            `json:"recipients"`
	Counts       CampaignCounts `json:"counts"`
	Accounts     []CampaignAcct `json:"accounts"`
	Reasons      []CampaignWhy  `json:"reasons,omitempty"`
	Plan         *CampaignPlan  `json:"plan,omitempty" doc:"While the campaign is a draft or scheduled: who each account writes to, why, and an estimated finish"`
	Steps        []CampaignStep `json:"steps" doc:"The first message (index 1) and each follow-up, with their counts"`
	Pacing       CampaignPacing `json:"pacing"`
	StartAt      *time.Time     `json:"start_at"`
	CreatedAt    time.Time      `json:"created_at"`
	StartedAt    *time.Time     `json:"started_at"`
	FinishedAt   *time.Time     `json:"finished_at"`
}

type CampaignCounts struct {
	Pending int `json:"pending"`
	Sent    int `json:"sent"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
	Replied int `json:"replied"`
}

type CampaignStep struct {
	Index        int        `json:"index" doc:"1 for the first message, 2 to 4 for the follow-ups"`
	Message      string     `json:"message"`
	AfterSeconds int        `json:"after_seconds" doc:"After the step before reached a recipient; 0 for step 1"`
	MediaID      int64      `json:"media_id,omitempty" doc:"The file the step attaches; absent for none"`
	Sent         int        `json:"sent"`
	Failed       int        `json:"failed"`
	Replied      int        `json:"replied" doc:"Recipients whose reply came after this step (it was the latest message they had)"`
	Cancelled    int        `json:"cancelled" doc:"Follow-ups not sent because the person replied, opted out or was suppressed, or the campaign ended (see the delivery report's reason); 0 for step 1, whose unsent rows are skipped"`
	Pending      int        `json:"pending" doc:"Written and waiting for their time, the account's pace or window"`
	NextDueAt    *time.Time `json:"next_due_at,omitempty" doc:"When the earliest pending follow-up of this step is due"`
}

type CampaignAcct struct {
	ID      int64      `json:"id"`
	Name    string     `json:"name"`
	State   string     `json:"state" enum:"sending,waiting,limited,needs_login,done" doc:"What the account does for this campaign now: sending; waiting (it goes on by itself at until, see reason); limited (Telegram's PEER_FLOOD: reset it on the account's page); needs_login (its session ended); done (nothing left for it)"`
	Reason  string     `json:"reason,omitempty" enum:"interval,daily_cap,window,campaign_rate,flood_wait,peer_flood,needs_login,draft,scheduled,paused,no_recipients,next_step" doc:"Why it does not send now: interval (the least time between two messages), daily_cap (its messages of the day are sent; the day is counted in the window's time zone, else UTC), window (outside the sending window), campaign_rate (the campaign's messages per hour), flood_wait (Telegram's FLOOD_WAIT), peer_flood (Telegram's PEER_FLOOD), needs_login, draft, scheduled, paused (the campaign is not running), no_recipients (a campaign not started gives this account nobody: see plan), next_step (all it has left are follow-ups, the next due at until). Absent while it sends or is done."`
	Detail  string     `json:"detail,omitempty" doc:"The reason in words, with the time it goes on in the relevant time zone"`
	Until   *time.Time `json:"until,omitempty" doc:"When a waiting account goes on by itself (UTC); absent when a person must act or nothing is known"`
	Sent    int        `json:"sent"`
	Pending int        `json:"pending"`
	Failed  int        `json:"failed"`
	Replied int        `json:"replied"`
}

type CampaignPlan struct {
	Senders    []CampaignShare `json:"senders"`
	Unassigned int             `json:"unassigned" doc:"Recipients no sending account can reach (skipped, see reasons)"`
	FinishAt   *time.Time      `json:"finish_at,omitempty" doc:"Estimated time of the last first message (follow-ups come after their delays, to those who have not replied) if started now (or at start_at), from each account's cap, interval and window, if the accounts send for nothing else; absent when nobody gets a message"`
}

type CampaignShare struct {
	AccountID  int64      `json:"account_id"`
	Name       string     `json:"name"`
	Recipients int        `json:"recipients" doc:"Recipients this account writes to"`
	Seen       int        `json:"seen" doc:"Of them, people this account saw in an extraction"`
	Lookups    int        `json:"lookups" doc:"Of them, people known by username only: the account looks them up when it sends"`
	FinishAt   *time.Time `json:"finish_at,omitempty" doc:"Estimated time of this account's last first message"`
	Nobody     string     `json:"nobody,omitempty" doc:"Why this account gets no recipient"`
}

type CampaignWhy struct {
	State  string `json:"state"`
	Code   string `json:"code"`
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

type CampaignPacing struct {
	MinIntervalSeconds int     `json:"min_interval_seconds"`
	DailyCap           int     `json:"daily_cap"`
	Window             *Window `json:"window,omitempty" doc:"Absent when the campaign sends at any time of day"`
	RatePerHour        int     `json:"rate_per_hour"`
}

type Window struct {
	From     string `json:"from"`
	To       string `json:"to"`
	TimeZone string `json:"time_zone"`
}

func campaignBody(v campaign.View) Campaign {
	c := Campaign{
		ID: v.ID, Name: v.Name, Status: v.Status, PauseReason: v.PauseReason, Message: v.Message,
		OptOutFooter: v.OptOutFooter, LinkPreview: v.LinkPreview, Recipients: v.Recipients,
		Counts: CampaignCounts{Pending: v.Counts.Pending + v.Counts.Sending, Sent: v.Counts.Sent, Failed: v.Counts.Failed,
			Skipped: v.Counts.Skipped, Replied: v.Counts.Replied},
		Accounts:  []CampaignAcct{},
		Pacing:    CampaignPacing{MinIntervalSeconds: v.MinIntervalSeconds, DailyCap: v.DailyCap, RatePerHour: v.RatePerHour},
		StartAt:   timePtr(v.StartAt),
		CreatedAt: v.CreatedAt.UTC(), StartedAt: timePtr(v.StartedAt), FinishedAt: timePtr(v.FinishedAt),
	}
	if v.WindowFrom != "" {
		c.Pacing.Window = &Window{From: v.WindowFrom, To: v.WindowTo, TimeZone: v.TimeZone}
	}
	for _, a := range v.Accounts {
		c.Accounts = append(c.Accounts, CampaignAcct{ID: a.ID, Name: a.Name, State: a.State, Reason: a.Reason, Detail: a.Detail, Until: timePtr(a.Until),
			Sent: a.Counts.Sent, Pending: a.Counts.Pending + a.Counts.Sending, Failed: a.Counts.Failed, Replied: a.Counts.Replied})
	}
	if why, resumes, ok := v.Stalled(); ok {
		c.StatusDetail, c.ResumesAt = why, timePtr(resumes)
	}
	if v.Plan != nil {
		c.Plan = &CampaignPlan{Senders: []CampaignShare{}, Unassigned: v.Plan.Unassigned, FinishAt: timePtr(v.Plan.FinishAt)}
		for _, sp := range v.Plan.Senders {
			c.Plan.Senders = append(c.Plan.Senders, CampaignShare{AccountID: sp.ID, Name: sp.Name, Recipients: sp.Recipients, Seen: sp.Seen,
				Lookups: sp.Lookups, FinishAt: timePtr(sp.FinishAt), Nobody: sp.Nobody})
		}
	}
	for _, r := range v.Reasons {
		c.Reasons = append(c.Reasons, CampaignWhy{State: r.State, Code: r.ReasonCode, Reason: r.Reason, Count: r.Count})
	}
	c.Steps = []CampaignStep{}
	for _, st := range v.Steps {
		if st.Index == 1 {
			c.MediaID = st.MediaID
		}
		c.Steps = append(c.Steps, CampaignStep{Index: st.Index, Message: st.Message, AfterSeconds: st.AfterSeconds, MediaID: st.MediaID, Sent: st.Sent,
			Failed: st.Failed, Replied: st.Replied, Cancelled: st.Cancelled, Pending: st.Pending, NextDueAt: timePtr(st.NextDue)})
	}
	return c
}

type createCampaignIn struct{ Body CampaignIn }

type campaignOut struct{ Body Campaign }

type campaignsIn struct {
	Cursor string `query:"cursor" doc:"next_cursor of the previous page"`
	Limit  int    `query:"limit" minimum:"0" maximum:"200" doc:"Page size (default 50)"`
}

type campaignsOut struct {
	Body struct {
		Campaigns  []Campaign `json:"campaigns"`
		NextCursor string     `json:"next_cursor" doc:"Pass as cursor for the next page; empty on the last"`
	}
}

type campaignIDIn struct {
	ID int64 `path:"id" doc:"The campaign's id"`
}

type deliveriesIn struct {
	ID     int64  `path:"id" doc:"The campaign's id"`
	Format string `query:"format" enum:"json,csv" default:"json"`
}

type previewIn struct {
	Body struct {
		Message      string `json:"message"`
		OptOutFooter *bool  `json:"opt_out_footer,omitempty"`
		FirstName    string `json:"first_name,omitempty"`
		LastName     string `json:"last_name,omitempty"`
		Username     string `json:"username,omitempty"`
		MediaID      int64  `json:"media_id,omitempty" doc:"A file stored with POST /media that the message goes with: the text is then a caption, held to 1,024 characters"`
	}
}

type previewOut struct {
	Body struct {
		Text     string           `json:"text"`
		Entities []message.Entity `json:"entities"`
		Length   int              `json:"length" doc:"As Telegram counts it (UTF-16 code units); at most 4,096, or 1,024 with media_id"`
	}
}

type testSendIn struct {
	Body struct {
		AccountID    int64  `json:"account_id" doc:"The account whose Saved Messages get the test"`
		Message      string `json:"message"`
		MediaID      int64  `json:"media_id,omitempty" doc:"A file stored with POST /media, sent with the message as its caption (the account's upload is kept: a campaign from it sends the file without uploading it again)"`
		OptOutFooter *bool  `json:"opt_out_footer,omitempty"`
		LinkPreview  bool   `json:"link_preview,omitempty"`
	}
}

type repliesOut struct {
	Body struct {
		Replies []Reply `json:"replies"`
	}
}

// Reply is a recipient's answer to a campaign.
type Reply struct {
	UserID    int64     `json:"user_id"`
	Username  string    `json:"username"`
	Name      string    `json:"name"`
	AccountID int64     `json:"account_id"`
	Text      string    `json:"text"`
	RepliedAt time.Time `json:"replied_at"`
}

// registerCampaigns lists the campaign endpoints; each is a method below.
func (a *API) registerCampaigns() {
	if a.deps.Campaigns == nil {
		return
	}
	op := operation("Campaigns")
	huma.Register(a.huma, op("create-campaign", http.MethodPost, "/campaigns",
		"Save a campaign as a draft: its recipients are fixed now (each once; bots, deleted accounts, your own accounts and suppressed people are skipped with the reason) and the message is checked for every one of them", http.StatusCreated), a.createCampaign)
	huma.Register(a.huma, op("list-campaigns", http.MethodGet, "/campaigns", "Your campaigns, newest first, a page at a time (cursor, limit; next_cursor)", 0), a.listCampaigns)
	huma.Register(a.huma, op("get-campaign", http.MethodGet, "/campaigns/{id}", "A campaign with its counts and each sending account's state", 0), a.getCampaign)
	huma.Register(a.huma, op("start-campaign", http.MethodPost, "/campaigns/{id}/start", "Start a draft (scheduled when its start_at is ahead)", 0), a.startCampaign)
	huma.Register(a.huma, op("pause-campaign", http.MethodPost, "/campaigns/{id}/pause", "Pause a running or scheduled campaign", 0), a.pauseCampaign)
	huma.Register(a.huma, op("resume-campaign", http.MethodPost, "/campaigns/{id}/resume", "Resume a paused campaign where it stopped", 0), a.resumeCampaign)
	huma.Register(a.huma, op("cancel-campaign", http.MethodPost, "/campaigns/{id}/cancel", "End a campaign; what was not sent is skipped", 0), a.cancelCampaign)
	huma.Register(a.huma, a.streamed(op("list-campaign-deliveries", http.MethodGet, "/campaigns/{id}/deliveries",
		"The delivery report: one row per recipient and step (user_id, username, account_id, state, reason, random_id, message_id, sent_at, replied_at, step, due_at), as a JSON array or CSV", 0),
		reflect.TypeFor[[]campaign.DeliveryRow](), mediaCSV), a.listDeliveries)
	huma.Register(a.huma, op("list-campaign-replies", http.MethodGet, "/campaigns/{id}/replies", "Recipients' replies, newest first", 0), a.listReplies)
	huma.Register(a.huma, op("preview-message", http.MethodPost, "/campaigns/preview", "Render a message for a recipient, as it would be sent", 0), a.previewMessage)
	huma.Register(a.huma, op("test-send-message", http.MethodPost, "/campaigns/test-send",
		"Send a message, rendered for the account itself, to the account's own Saved Messages", 0), a.testSend)
}

// POST /campaigns
func (a *API) createCampaign(ctx context.Context, in *createCampaignIn) (*campaignOut, error) {
	b := in.Body
	ci := campaign.CreateInput{
		Name: b.Name, Message: b.Message, MediaID: b.MediaID, SenderAccountIDs: b.SenderAccountIDs,
		Audience: campaign.Audience{ExtractionIDs: b.Audience.ExtractionIDs, ListIDs: b.Audience.ListIDs,
			Usernames: b.Audience.Usernames, UserIDs: b.Audience.UserIDs},
		Pacing:       campaign.PacingInput{MinIntervalSeconds: b.Pacing.MinIntervalSeconds, DailyCap: b.Pacing.DailyCap, RatePerHour: b.Pacing.RatePerHour},
		OptOutFooter: b.OptOutFooter, LinkPreview: b.LinkPreview, StartAt: b.StartAt, FailurePercent: b.FailurePercent,
	}
	for _, st := range b.Steps {
		ci.Steps = append(ci.Steps, campaign.StepInput{Message: st.Message, AfterSeconds: st.AfterSeconds, MediaID: st.MediaID})
	}
	if w := b.Pacing.Window; w != nil {
		ci.Pacing.Window = &campaign.WindowInput{From: w.From, To: w.To, TimeZone: w.TimeZone}
	}
	return campaignResult(a.deps.Campaigns.Create(ctx, auth.WorkspaceID(ctx), ci))
}

func campaignResult(v campaign.View, err error) (*campaignOut, error) {
	if err != nil {
		return nil, err
	}
	return &campaignOut{Body: campaignBody(v)}, nil
}

// GET /campaigns
func (a *API) listCampaigns(ctx context.Context, in *campaignsIn) (*campaignsOut, error) {
	list, next, err := a.deps.Campaigns.ListPage(ctx, auth.WorkspaceID(ctx), in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &campaignsOut{}
	out.Body.NextCursor = next
	out.Body.Campaigns = make([]Campaign, 0, len(list))
	for _, v := range list {
		out.Body.Campaigns = append(out.Body.Campaigns, campaignBody(v))
	}
	return out, nil
}

// GET /campaigns/{id}
func (a *API) getCampaign(ctx context.Context, in *campaignIDIn) (*campaignOut, error) {
	return campaignResult(a.deps.Campaigns.Get(ctx, auth.WorkspaceID(ctx), in.ID))
}

// POST /campaigns/{id}/start
func (a *API) startCampaign(ctx context.Context, in *campaignIDIn) (*campaignOut, error) {
	return campaignResult(a.deps.Campaigns.Start(ctx, auth.WorkspaceID(ctx), in.ID))
}

// POST /campaigns/{id}/pause
func (a *API) pauseCampaign(ctx context.Context, in *campaignIDIn) (*campaignOut, error) {
	return campaignResult(a.deps.Campaigns.Pause(ctx, auth.WorkspaceID(ctx), in.ID))
}

// POST /campaigns/{id}/resume
func (a *API) resumeCampaign(ctx context.Context, in *campaignIDIn) (*campaignOut, error) {
	return campaignResult(a.deps.Campaigns.Resume(ctx, auth.WorkspaceID(ctx), in.ID))
}

// POST /campaigns/{id}/cancel
func (a *API) cancelCampaign(ctx context.Context, in *campaignIDIn) (*campaignOut, error) {
	return campaignResult(a.deps.Campaigns.Cancel(ctx, auth.WorkspaceID(ctx), in.ID))
}

// GET /campaigns/{id}/deliveries
func (a *API) listDeliveries(ctx context.Context, in *deliveriesIn) (*huma.StreamResponse, error) {
	userID := auth.WorkspaceID(ctx)
	v, err := a.deps.Campaigns.Get(ctx, userID, in.ID)
	if err != nil {
		return nil, err
	}
	format := in.Format
	if format == "" {
		format = "json"
	}
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		if format == "csv" {
			hctx.SetHeader("Content-Type", "text/csv; charset=utf-8")
			hctx.SetHeader("Content-Disposition", mime.FormatMediaType("attachment",
				map[string]string{"filename": fmt.Sprintf("campaign-%d-deliveries.csv", v.ID)}))
		} else {
			hctx.SetHeader("Content-Type", "application/json")
		}
		hctx.SetHeader("Cache-Control", "no-store")
		hctx.SetStatus(http.StatusOK)
		if err := a.deps.Campaigns.WriteDeliveries(hctx.Context(), userID, in.ID, format, hctx.BodyWriter()); err != nil {
			auth.NoteError(hctx.Context(), fmt.Errorf("campaign %d deliveries: %w", in.ID, err))
		}
	}}, nil
}

// GET /campaigns/{id}/replies
func (a *API) listReplies(ctx context.Context, in *campaignIDIn) (*repliesOut, error) {
	list, err := a.deps.Campaigns.Replies(ctx, auth.WorkspaceID(ctx), in.ID, 500)
	if err != nil {
		return nil, err
	}
	out := &repliesOut{}
	out.Body.Replies = make([]Reply, 0, len(list))
	for _, d := range list {
		out.Body.Replies = append(out.Body.Replies, Reply{UserID: d.TGUserID, Username: d.Username,
			Name: strings.TrimSpace(d.FirstName + " " + d.LastName), AccountID: d.AccountID, Text: d.ReplyText, RepliedAt: d.RepliedAt.UTC()})
	}
	return out, nil
}

// POST /campaigns/preview
func (a *API) previewMessage(ctx context.Context, in *previewIn) (*previewOut, error) {
	footer := in.Body.OptOutFooter == nil || *in.Body.OptOutFooter
	if id := in.Body.MediaID; id != 0 {
		if a.deps.Media == nil || id < 0 {
			return nil, apperr.Validation("media_id", fmt.Sprintf("No attachment %d", id))
		}
		if _, err := a.deps.Media.File(ctx, auth.WorkspaceID(ctx), id, "media_id"); err != nil {
			return nil, err
		}
	}
	r, err := a.deps.Campaigns.Preview(campaign.PreviewInput{Message: in.Body.Message, OptOutFooter: footer, MediaID: in.Body.MediaID,
		Recipient: message.Recipient{FirstName: in.Body.FirstName, LastName: in.Body.LastName, Username: in.Body.Username}})
	if err != nil {
		return nil, err
	}
	out := &previewOut{}
	out.Body.Text, out.Body.Entities, out.Body.Length = r.Text, r.Entities, r.Length()
	if out.Body.Entities == nil {
		out.Body.Entities = []message.Entity{}
	}
	return out, nil
}

// POST /campaigns/test-send
func (a *API) testSend(ctx context.Context, in *testSendIn) (*struct{}, error) {
	footer := in.Body.OptOutFooter == nil || *in.Body.OptOutFooter
	err := a.deps.Campaigns.TestSend(ctx, auth.WorkspaceID(ctx), in.Body.AccountID,
		campaign.PreviewInput{Message: in.Body.Message, OptOutFooter: footer, MediaID: in.Body.MediaID}, in.Body.LinkPreview)
	return nil, err
}

// Suppression is one entry of the suppression list.
type Suppression struct {
	UserID    int64     `json:"user_id"`
	Username  string    `json:"username"`
	Reason    string    `json:"reason"`
	CreatedAt time.Time `json:"created_at"`
}

func suppressionBody(s store.Suppression) Suppression {
	return Suppression{UserID: s.TGUserID, Username: s.Username, Reason: s.Reason, CreatedAt: s.CreatedAt.UTC()}
}

// SuppressionsPage is a page of the suppression list.
type SuppressionsPage struct {
	Suppressions []Suppression `json:"suppressions"`
	NextCursor   string        `json:"next_cursor" doc:"Pass as cursor for the next page; empty on the last"`
}

type suppressionsIn struct {
	Format string `query:"format" enum:"json,csv" default:"json" doc:"csv: the whole list as a file (streamed; cursor and limit do not apply)"`
	Cursor string `query:"cursor" doc:"next_cursor of the previous page"`
	Limit  int    `query:"limit" minimum:"0" maximum:"500" doc:"Page size (default 100)"`
}

type addSuppressionIn struct {
	Body struct {
		UserID   int64  `json:"user_id,omitempty" doc:"A Telegram user id"`
		Username string `json:"username,omitempty" doc:"Or a @username"`
		Reason   string `json:"reason,omitempty"`
	}
}

type suppressionOut struct{ Body Suppression }

type deleteSuppressionIn struct {
	UserID string `path:"user_id" doc:"The user id, or the username of an entry known by username only"`
}

type importSuppressionsIn struct {
	RawBody []byte `contentType:"text/csv" doc:"A CSV of user ids and/or usernames (a header such as user_id,username is optional)"`
}

type importSuppressionsOut struct {
	Body struct {
		Added        int `json:"added"`
		Already      int `json:"already"`
		Duplicates   int `json:"duplicates"`
		InvalidCount int `json:"invalid"`
		Invalid      []struct {
			Line   int    `json:"line"`
			Value  string `json:"value"`
			Reason string `json:"reason"`
		} `json:"invalid_rows"`
	}
}

// registerSuppressions lists the suppression-list endpoints.
func (a *API) registerSuppressions() {
	if a.deps.Campaigns == nil {
		return
	}
	op := operation("Suppressions")
	huma.Register(a.huma, a.streamed(op("list-suppressions", http.MethodGet, "/suppressions",
		"Your suppression list: people no campaign of yours writes to (format=csv for a file)", 0),
		reflect.TypeFor[SuppressionsPage](), mediaCSV), a.listSuppressions)
	huma.Register(a.huma, op("add-suppression", http.MethodPost, "/suppressions", "Add a person by user_id or username", http.StatusCreated), a.addSuppression)
	huma.Register(a.huma, op("import-suppressions", http.MethodPost, "/suppressions/import", "Add everyone in a CSV", 0), a.importSuppressions)
	huma.Register(a.huma, op("delete-suppression", http.MethodDelete, "/suppressions/{user_id}", "Remove a person from the list", http.StatusNoContent), a.deleteSuppression)
}

// GET /suppressions
func (a *API) listSuppressions(ctx context.Context, in *suppressionsIn) (*huma.StreamResponse, error) {
	userID := auth.WorkspaceID(ctx)
	var (
		list []store.Suppression
		next string
	)
	if in.Format != "csv" {
		var err error
		if list, next, err = a.deps.Campaigns.SuppressionsPage(ctx, userID, in.Cursor, in.Limit); err != nil {
			return nil, err
		}
	}
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		hctx.SetHeader("Cache-Control", "no-store")
		if in.Format == "csv" {
			hctx.SetHeader("Content-Type", "text/csv; charset=utf-8")
			hctx.SetHeader("Content-Disposition", `attachment; filename="suppressions.csv"`)
			hctx.SetStatus(http.StatusOK)
			if err := a.deps.Campaigns.ExportSuppressions(hctx.Context(), userID, hctx.BodyWriter()); err != nil {
				auth.NoteError(hctx.Context(), err)
			}
			return
		}
		body := SuppressionsPage{Suppressions: make([]Suppression, 0, len(list)), NextCursor: next}
		for _, s := range list {
			body.Suppressions = append(body.Suppressions, suppressionBody(s))
		}
		writeJSONBody(hctx, body)
	}}, nil
}

// POST /suppressions
func (a *API) addSuppression(ctx context.Context, in *addSuppressionIn) (*suppressionOut, error) {
	who := in.Body.Username
	if in.Body.UserID != 0 {
		who = fmt.Sprint(in.Body.UserID)
	}
	s, err := a.deps.Campaigns.Suppress(ctx, auth.WorkspaceID(ctx), who, in.Body.Reason)
	if err != nil {
		return nil, err
	}
	return &suppressionOut{Body: suppressionBody(s)}, nil
}

// POST /suppressions/import
func (a *API) importSuppressions(ctx context.Context, in *importSuppressionsIn) (*importSuppressionsOut, error) {
	res, err := a.deps.Campaigns.ImportSuppressions(ctx, auth.WorkspaceID(ctx), strings.NewReader(string(in.RawBody)))
	if err != nil {
		return nil, err
	}
	out := &importSuppressionsOut{}
	out.Body.Added, out.Body.Already, out.Body.Duplicates, out.Body.InvalidCount = res.Added, res.Already, res.Duplicates, res.InvalidCount
	for _, inv := range res.Invalid {
		out.Body.Invalid = append(out.Body.Invalid, struct {
			Line   int    `json:"line"`
			Value  string `json:"value"`
			Reason string `json:"reason"`
		}{inv.Line, inv.Value, inv.Reason})
	}
	return out, nil
}

// DELETE /suppressions/{user_id}
func (a *API) deleteSuppression(ctx context.Context, in *deleteSuppressionIn) (*struct{}, error) {
	return nil, a.deps.Campaigns.Unsuppress(ctx, auth.WorkspaceID(ctx), in.UserID)
}

func writeJSONBody(hctx huma.Context, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		auth.NoteError(hctx.Context(), err)
		hctx.SetStatus(http.StatusInternalServerError)
		return
	}
	hctx.SetHeader("Content-Type", "application/json")
	hctx.SetStatus(http.StatusOK)
	_, _ = hctx.BodyWriter().Write(append(body, '\n'))
}
