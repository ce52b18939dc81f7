package campaign

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/audit"
	"github.com/telegramate/telegramate/internal/campaign/message"
	"github.com/telegramate/telegramate/internal/campaign/recipients"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
	"github.com/telegramate/telegramate/internal/usertext"
)

// Audience is who a campaign writes to: members of lists (by extraction or
// by list, merged lists included) and people named by username or id.
// Everyone is counted once.
type Audience struct {
	ExtractionIDs []int64          `json:"extraction_ids,omitempty"`
	ListIDs       []int64          `json:"list_ids,omitempty"`
	Usernames     []string         `json:"usernames,omitempty"`
	UserIDs       []int64          `json:"user_ids,omitempty"`
	Refs          []recipients.Ref `json:"-"` // pasted or uploaded, already parsed
}

// WindowInput is a daily sending window as given.
type WindowInput struct {
	From     string `json:"from"`
	To       string `json:"to"`
	TimeZone string `json:"time_zone"`
}

// PacingInput is a campaign's pacing as given; nil fields take defaults.
type PacingInput struct {
	MinIntervalSeconds *int         `json:"min_interval_seconds,omitempty"`
	DailyCap           *int         `json:"daily_cap,omitempty"`
	Window             *WindowInput `json:"window,omitempty"`
	RatePerHour        int          `json:"rate_per_hour,omitempty"`
}

// CreateInput is a new campaign.
type CreateInput struct {
	Name    string
	Message string
	// MediaID is a stored file (POST /media) the first message attaches,
	// with the message as its caption; 0 for none.
	MediaID          int64
	Audience         Audience
	SenderAccountIDs []int64
	Pacing           PacingInput
	OptOutFooter     *bool // nil: on
	LinkPreview      bool
	StartAt          *time.Time
	// FailurePercent pauses the campaign when more than this share of its
	// last 50 outcomes failed (default 10; 100 turns it off): see
	// FailuresToPause.
	FailurePercent *int
	// Steps are follow-ups (steps 2 to 4): each goes to a recipient who
	// has not replied, AfterSeconds after the previous step reached them.
	Steps []StepInput
}

// StepInput is one follow-up as given.
type StepInput struct {
	Message      string `json:"message"`
	AfterSeconds int    `json:"after_seconds"`
	MediaID      int64  `json:"media_id,omitempty"`
}

// MaxStepDelay is the longest wait of a follow-up after the step before.
const MaxStepDelay = 90 * 24 * time.Hour

// Limits of what one campaign may hold.
const (
	maxNameRunes = 200
	// FailureWindow is how many of a campaign's latest outcomes its
	// self-pause looks at.
	FailureWindow = 50
)

// FailuresToPause is how many failed messages among the last
// FailureWindow pause a campaign at percent: more than percent of a full
// window, counted from the first message on (10 % pauses at the 6th
// failure, even when only 6 were sent, and never at 2 of 4). 0 for 100,
// which turns the pause off. Forms and docs say this number, so it is
// the one the pause uses.
func FailuresToPause(percent int) int {
	if percent >= 100 {
		return 0
	}
	return percent*FailureWindow/100 + 1
}

// Create checks a campaign, fixes its recipients and saves it as a draft.
// Recipients are fixed now, so the message is checked for every one of
// them (a name can make it too long) before anything is saved.
func (s *Service) Create(ctx context.Context, userID int64, in CreateInput) (View, error) {
	if err := actor.Require(ctx, actor.Operator); err != nil {
		return View{}, err
	}
	c, err := s.checkInput(userID, in)
	if err != nil {
		return View{}, err
	}
	tpl, err := message.Parse(in.Message)
	if err != nil {
		return View{}, err
	}
	tpls := []*message.Template{tpl}
	for i, st := range c.Steps {
		t, err := message.Parse(st.Message)
		if err != nil {
			return View{}, stepError(i, err)
		}
		tpls = append(tpls, t)
	}
	attach, err := s.attachments(ctx, userID, in)
	if err != nil {
		return View{}, err
	}
	senders, err := s.senders(ctx, userID, in.SenderAccountIDs)
	if err != nil {
		return View{}, err
	}
	for _, snd := range senders {
		c.SenderIDs = append(c.SenderIDs, snd.id)
	}
	aud, err := s.audience(ctx, userID, in.Audience, senders)
	if err != nil {
		return View{}, err
	}
	opts := message.Options{OptOutFooter: c.OptOutFooter}
	for _, d := range aud {
		if d.State != store.DeliveryPending {
			continue
		}
		for i, t := range tpls {
			r := t.Render(message.Recipient{FirstName: d.FirstName, LastName: d.LastName, Username: d.Username}, opts)
			check := r.Check
			if attach[i+1] != 0 {
				check = r.CheckCaption
			}
			if err := check(recipientName(d.TGUserID, d.Username, d.FirstName, d.LastName)); err != nil {
				if i > 0 {
					return View{}, stepError(i-1, err)
				}
				return View{}, err
			}
		}
	}
	if err := s.roomForDraft(ctx, userID, len(aud)); err != nil {
		return View{}, err
	}
	saved, err := s.st.CreateCampaign(ctx, store.NewCampaign{Campaign: c, Deliveries: aud})
	if err != nil {
		return View{}, fmt.Errorf("create campaign: %w", err)
	}
	if err := s.attach(ctx, saved, attach); err != nil {
		return View{}, err
	}
	s.log.Info("campaign created", "campaign", saved.ID, "user", userID, "recipients", len(aud))
	// Made in batches by the store, with no transaction to share: recorded
	// right after.
	s.recordAfter(ctx, userID, saved, audit.CampaignCreated, fmt.Sprintf("%d people in the audience", len(aud)))
	return s.view(ctx, saved)
}

// checkInput validates what does not need the audience.
func (s *Service) checkInput(userID int64, in CreateInput) (store.Campaign, error) {
	now := s.now()
	c := store.Campaign{UserID: userID, Status: store.CampaignDraft, CreatedAt: now, OptOutFooter: true, LinkPreview: in.LinkPreview}
	c.Name = strings.TrimSpace(in.Name)
	switch {
	case c.Name == "":
		return c, fieldError("name", "Give the campaign a name", "A name only you see, such as “Spring meetup invite”.")
	case !utf8.ValidString(c.Name) || utf8.RuneCountInString(c.Name) > maxNameRunes:
		return c, fieldError("name", fmt.Sprintf("The name must be valid text of at most %d characters", maxNameRunes), "Shorten the name.")
	}
	if usertext.HasNUL(c.Name) {
		return c, usertext.NULError("name")
	}
	if usertext.HasNUL(in.Message) {
		return c, usertext.NULError("message")
	}
	if !utf8.ValidString(in.Message) {
		return c, fieldError("message", "The message is not valid text", "Paste it again as plain text.")
	}
	c.Message = in.Message
	if in.OptOutFooter != nil {
		c.OptOutFooter = *in.OptOutFooter
	}
	p := Pacing{MinInterval: DefaultMinInterval, DailyCap: DefaultDailyCap, RatePerHour: in.Pacing.RatePerHour}
	if v := in.Pacing.MinIntervalSeconds; v != nil {
		if *v < 0 || *v > 86400 {
			return c, fieldError("pacing.min_interval_seconds", "The interval must be between 0 and 86,400 seconds", "0 turns the interval off; the default is 30 seconds.")
		}
		p.MinInterval = time.Duration(*v) * time.Second
	}
	if v := in.Pacing.DailyCap; v != nil {
		if *v < 1 || *v > 10_000 {
			return c, fieldError("pacing.daily_cap", "The daily cap must be between 1 and 10,000 messages per account", "The default is 50, a careful figure for accounts writing to strangers.")
		}
		p.DailyCap = *v
	}
	if p.RatePerHour < 0 || p.RatePerHour > 1_000_000 {
		return c, fieldError("pacing.rate_per_hour", "The campaign's rate must be between 0 and 1,000,000 messages per hour", "0 leaves the campaign's rate to its accounts' pacing.")
	}
	if w := in.Pacing.Window; w != nil && (w.From != "" || w.To != "") {
		win, err := ParseWindow(w.From, w.To, w.TimeZone)
		if err != nil {
			return c, err
		}
		p.Window = win
		c.WindowFrom, c.WindowTo, c.TimeZone = win.From, win.To, win.Zone
	}
	c.MinIntervalSeconds, c.DailyCap, c.RatePerHour = int(p.MinInterval/time.Second), p.DailyCap, p.RatePerHour
	c.FailurePercent = 10
	if v := in.FailurePercent; v != nil {
		if *v < 1 || *v > 100 {
			return c, fieldError("failure_percent", "The failure threshold must be between 1 and 100 percent", "At 100 the campaign never pauses itself.")
		}
		c.FailurePercent = *v
	}
	if in.StartAt != nil && !in.StartAt.IsZero() {
		c.StartAt = in.StartAt.UTC()
	}
	if len(in.Steps) > store.MaxSteps-1 {
		return c, fieldError("steps", fmt.Sprintf("A campaign has at most %d steps: the first message and %d follow-ups; this one has %d follow-ups",
			store.MaxSteps, store.MaxSteps-1, len(in.Steps)), "Remove a follow-up.")
	}
	for i, st := range in.Steps {
		field := fmt.Sprintf("steps[%d]", i)
		switch {
		case usertext.HasNUL(st.Message):
			return c, usertext.NULError(field + ".message")
		case !utf8.ValidString(st.Message):
			return c, fieldError(field+".message", fmt.Sprintf("Step %d's message is not valid text", i+2), "Paste it again as plain text.")
		case st.AfterSeconds < 1 || time.Duration(st.AfterSeconds)*time.Second > MaxStepDelay:
			return c, fieldError(field+".after_seconds", fmt.Sprintf("Step %d's delay must be between 1 second and %d days after step %d", i+2, int(MaxStepDelay.Hours()/24), i+1),
				"Give it in seconds: 172800 is two days.")
		}
		c.Steps = append(c.Steps, store.Step{Message: st.Message, AfterSeconds: st.AfterSeconds})
	}
	aud, _ := json.Marshal(storedAudience{ExtractionIDs: in.Audience.ExtractionIDs, ListIDs: in.Audience.ListIDs,
		Pasted: len(in.Audience.Usernames) + len(in.Audience.UserIDs) + len(in.Audience.Refs)})
	c.Audience = string(aud)
	return c, nil
}

// attachments checks the files the steps attach, mapping each step (1
// for the first message) to its file.
func (s *Service) attachments(ctx context.Context, userID int64, in CreateInput) (map[int]int64, error) {
	out := map[int]int64{}
	ids := []int64{in.MediaID}
	for _, st := range in.Steps {
		ids = append(ids, st.MediaID)
	}
	for i, id := range ids {
		field := "media_id"
		if i > 0 {
			field = fmt.Sprintf("steps[%d].media_id", i-1)
		}
		switch {
		case id == 0:
			continue
		case id < 0 || s.o.Media == nil:
			return nil, fieldError(field, fmt.Sprintf("No attachment %d", id), "Upload the file first with POST /api/v1/media and give the id it answers with.")
		}
		if _, err := s.o.Media.File(ctx, userID, id, field); err != nil {
			return nil, err
		}
		out[i+1] = id
	}
	return out, nil
}

// attach records the files a saved campaign's steps attach. The campaign
// is saved first (in batches, with no transaction to share): should this
// fail, the draft is cancelled rather than left to send without them.
func (s *Service) attach(ctx context.Context, c store.Campaign, files map[int]int64) error {
	for step, id := range files {
		if err := s.st.SetCampaignMedia(ctx, c.ID, step, id); err != nil {
			_, cerr := s.st.SetCampaignStatus(context.WithoutCancel(ctx), c.UserID, c.ID, []string{store.CampaignDraft}, store.CampaignCancelled,
				"Its attachments could not be saved", s.now())
			return errors.Join(fmt.Errorf("campaign %d: attach file %d to step %d: %w", c.ID, id, step, err), cerr)
		}
	}
	return nil
}

// stepError puts a message's error on follow-up i (steps[i], step i+2).
func stepError(i int, err error) error {
	e, ok := apperr.As(err)
	if !ok {
		return err
	}
	e = e.OnField(fmt.Sprintf("steps[%d].message", i))
	e.Message = fmt.Sprintf("Step %d: %s", i+2, e.Message)
	return e
}

// storedAudience is the audience as the campaign's row keeps it: lists by
// id, people named one by one only counted. Each of them is a delivery
// row already, and every claim of every sending account reads the
// campaign's row: 30,000 pasted usernames kept inline made each claim
// read half a megabyte (a thousand accounts could not keep a 10 s pace).
type storedAudience struct {
	ExtractionIDs []int64 `json:"extraction_ids,omitempty"`
	ListIDs       []int64 `json:"list_ids,omitempty"`
	Pasted        int     `json:"pasted,omitempty"`
}

// sender is one of the campaign's accounts, with what assignment needs.
type sender struct {
	id       int64
	tgUserID int64
	assigned int
	resolves int
}

func (s *Service) senders(ctx context.Context, userID int64, ids []int64) ([]*sender, error) {
	if len(ids) == 0 {
		return nil, fieldError("sender_account_ids", "Choose at least one account to send from", "Connect a Telegram account first if you have none.")
	}
	var out []*sender
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		a, err := s.acc.Get(ctx, userID, id)
		if err != nil {
			return nil, onField(err, "sender_account_ids")
		}
		if err := s.acc.Usable(telegram.WithKinds(ctx, sendCalls...), userID, id); err != nil {
			return nil, onField(err, "sender_account_ids")
		}
		out = append(out, &sender{id: a.ID, tgUserID: a.TGUserID})
	}
	return out, nil
}

func onField(err error, field string) error {
	if e, ok := apperr.As(err); ok {
		return e.OnField(field)
	}
	return err
}

// person is one recipient while the audience is being fixed.
type person struct {
	store.NewDelivery
	bot, deleted bool
	holders      map[int64]int64 // account → access hash
}

// audience fixes a campaign's recipients: each once, with a sender that
// can reach them, or skipped with the reason.
func (s *Service) audience(ctx context.Context, userID int64, a Audience, senders []*sender) ([]store.NewDelivery, error) {
	byID := map[int64]*person{}
	byName := map[string]*person{}
	var order []*person
	add := func(p *person) *person {
		if p.TGUserID != 0 {
			if q := byID[p.TGUserID]; q != nil {
				return q
			}
			byID[p.TGUserID] = p
		}
		if p.Username != "" {
			if q := byName[p.Username]; q != nil {
				if p.TGUserID != 0 && q.TGUserID == 0 {
					q.TGUserID = p.TGUserID
				}
				return q
			}
			byName[p.Username] = p
		}
		order = append(order, p)
		return p
	}
	lists, err := s.lists(ctx, userID, a)
	if err != nil {
		return nil, err
	}
	for _, listID := range lists {
		err := s.st.ScanMembers(ctx, listID, store.MemberFilter{}, func(m store.Member) error {
			p := add(&person{NewDelivery: store.NewDelivery{TGUserID: m.TGUserID, Username: strings.ToLower(m.Username),
				FirstName: m.FirstName, LastName: m.LastName}, bot: m.Bot, deleted: m.Deleted, holders: map[int64]int64{}})
			if p.FirstName == "" && p.LastName == "" {
				p.FirstName, p.LastName = m.FirstName, m.LastName
			}
			if m.AccessHash != 0 {
				p.holders[m.AccountID] = m.AccessHash
			}
			if len(order) > s.o.MaxRecipients {
				return tooMany(s.o.MaxRecipients)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	refs, err := named(a)
	if err != nil {
		return nil, err
	}
	for _, r := range refs {
		name := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(r.Username), "@"))
		if r.UserID <= 0 && name == "" {
			continue
		}
		p := add(&person{NewDelivery: store.NewDelivery{TGUserID: max(r.UserID, 0), Username: name}, holders: map[int64]int64{}})
		if p.TGUserID != 0 && len(p.holders) == 0 {
			for _, snd := range senders {
				if hash, err := s.st.PeerAccessHash(ctx, snd.id, p.TGUserID); err == nil {
					p.holders[snd.id] = hash
				} else if !errors.Is(err, store.ErrNotFound) {
					return nil, fmt.Errorf("access hash of %d: %w", p.TGUserID, err)
				}
			}
		}
		if len(order) > s.o.MaxRecipients {
			return nil, tooMany(s.o.MaxRecipients)
		}
	}
	if len(order) == 0 {
		return nil, fieldError("audience", "The audience is empty", "Choose a member list, or paste usernames or user ids.")
	}
	suppressed, err := s.suppressedSet(ctx, userID)
	if err != nil {
		return nil, err
	}
	own := map[int64]bool{}
	for _, snd := range senders {
		own[snd.tgUserID] = true
	}
	out := make([]store.NewDelivery, 0, len(order))
	for _, p := range order {
		d := p.NewDelivery
		d.RandomID = telegram.NewRandomID()
		d.State = store.DeliveryPending
		skip := func(r reason) { d.State, d.ReasonCode, d.Reason = store.DeliverySkipped, r.code, r.text }
		switch {
		case p.bot:
			skip(reasonBot)
		case p.deleted:
			skip(reasonDeleted)
		case p.TGUserID != 0 && own[p.TGUserID]:
			skip(reasonSender)
		case suppressed.has(p.TGUserID, p.Username):
			skip(reasonSuppressed)
		default:
			if r, ok := assign(&d, p, senders, s.o.ResolveBudget); !ok {
				skip(r)
			}
		}
		out = append(out, d)
	}
	return out, nil
}

// named reads the people an audience names one by one. Usernames go
// through the parser of a pasted list (recipients.ParseRef), so the API's
// are held to the rule the editor's are: "=cmd", "<script>", a name with
// spaces or of 1,000 characters names nobody, and is refused with where it
// is and why.
func named(a Audience) ([]recipients.Ref, error) {
	refs := slices.Clone(a.Refs)
	for i, u := range a.Usernames {
		ref, reason := recipients.ParseRef(u)
		if reason != "" {
			return nil, fieldError("audience.usernames",
				fmt.Sprintf("Item %d of the usernames, %s, names no Telegram user: %s", i+1, quoted(u), reason),
				"Give usernames as Telegram shows them (letters, digits and underscores, starting with a letter, at most 32, such as @ann_lee), t.me links or numeric user ids.")
		}
		refs = append(refs, ref)
	}
	for i, id := range a.UserIDs {
		if id <= 0 {
			return nil, fieldError("audience.user_ids", fmt.Sprintf("Item %d of the user ids, %d, is not a user's id", i+1, id),
				"A user id is a positive number; a negative one (-100…) is a group's or channel's.")
		}
		refs = append(refs, recipients.Ref{UserID: id})
	}
	return refs, nil
}

// quoted shows a value a person gave in a message: quoted, at most 40
// characters, control characters escaped.
func quoted(v string) string {
	if r := []rune(v); len(r) > 40 {
		v = string(r[:40]) + "…"
	}
	return strconv.Quote(v)
}

// assign picks the sender of one recipient: the least loaded account that
// already holds their access hash, else one that may still resolve their
// username.
func assign(d *store.NewDelivery, p *person, senders []*sender, budget int) (reason, bool) {
	var best *sender
	for _, snd := range senders {
		if _, ok := p.holders[snd.id]; ok && (best == nil || snd.assigned < best.assigned) {
			best = snd
		}
	}
	if best != nil {
		d.AccountID, d.AccessHash = best.id, p.holders[best.id]
		best.assigned++
		return reason{}, true
	}
	if p.Username == "" {
		return reasonUnreachable, false
	}
	for _, snd := range senders {
		if snd.resolves < budget && (best == nil || snd.assigned < best.assigned) {
			best = snd
		}
	}
	if best == nil {
		return reasonResolveBudget, false
	}
	d.AccountID = best.id
	best.assigned++
	best.resolves++
	return reason{}, true
}

func tooMany(n int) error {
	return fieldError("audience", fmt.Sprintf("The audience has more than %s recipients", usertext.Thousands(n)),
		"Split it into several campaigns, or narrow the member lists first.")
}

// lists resolves the audience's extractions and lists to the user's list ids.
func (s *Service) lists(ctx context.Context, userID int64, a Audience) ([]int64, error) {
	var out []int64
	for _, id := range a.ExtractionIDs {
		x, err := s.st.ExtractionByID(ctx, userID, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, fieldError("audience.extraction_ids", fmt.Sprintf("No extraction %d", id), "Use the id of one of your extractions (GET /api/v1/extractions).")
		}
		if err != nil {
			return nil, err
		}
		out = append(out, x.ListID)
	}
	for _, id := range a.ListIDs {
		if _, err := s.st.MemberListByID(ctx, userID, id); errors.Is(err, store.ErrNotFound) {
			return nil, fieldError("audience.list_ids", fmt.Sprintf("No member list %d", id), "Choose one of your member lists.")
		} else if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}

// suppressions is a user's suppression list, for fixing an audience.
type suppressions struct {
	ids   map[int64]bool
	names map[string]bool
}

func (x suppressions) has(id int64, name string) bool {
	return id != 0 && x.ids[id] || name != "" && x.names[name]
}

func (s *Service) suppressedSet(ctx context.Context, userID int64) (suppressions, error) {
	list, err := s.st.ListSuppressions(ctx, userID)
	if err != nil {
		return suppressions{}, fmt.Errorf("suppressions: %w", err)
	}
	x := suppressions{ids: map[int64]bool{}, names: map[string]bool{}}
	for _, e := range list {
		if e.TGUserID != 0 {
			x.ids[e.TGUserID] = true
		}
		if e.Username != "" {
			x.names[e.Username] = true
		}
	}
	return x, nil
}

// recipientName names a recipient for people: "@ann", "Ann Lee (42)".
func recipientName(id int64, username, first, last string) string {
	if username != "" {
		return "@" + username
	}
	name := strings.TrimSpace(first + " " + last)
	switch {
	case name != "" && id != 0:
		return fmt.Sprintf("%s (user %d)", name, id)
	case id != 0:
		return fmt.Sprintf("user %d", id)
	}
	return name
}
