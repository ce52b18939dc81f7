package campaign

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/gotd/td/tg"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/campaign/message"
	"github.com/telegramate/telegramate/internal/media"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
	"github.com/telegramate/telegramate/internal/usertext"
)

// DeliveryRow is one recipient in a campaign's delivery report.
type DeliveryRow struct {
	UserID    int64      `json:"user_id"`
	Username  string     `json:"username"`
	FirstName string     `json:"first_name"`
	LastName  string     `json:"last_name"`
	AccountID int64      `json:"account_id"`
	State     string     `json:"state"`
	Reason    string     `json:"reason"`
	RandomID  string     `json:"random_id"` // a string: JavaScript loses int64 precision
	MessageID int        `json:"message_id"`
	SentAt    *time.Time `json:"sent_at"`
	RepliedAt *time.Time `json:"replied_at"`
	// Step is which of the campaign's messages the row is (1: the first;
	// a follow-up's row is written when the step before reached them).
	Step int `json:"step"`
	// DueAt is when a follow-up goes (absent for step 1).
	DueAt *time.Time `json:"due_at,omitempty"`
}

func rowOf(d store.Delivery) DeliveryRow {
	state := d.State
	if state == store.DeliverySending {
		state = store.DeliveryPending // on its way; the report has four states
	}
	r := DeliveryRow{UserID: d.TGUserID, Username: d.Username, FirstName: d.FirstName, LastName: d.LastName, AccountID: d.AccountID, State: state, Reason: d.Reason,
		RandomID: strconv.FormatInt(d.RandomID, 10), MessageID: d.MessageID, Step: max(d.Step, 1)}
	if !d.DueAt.IsZero() {
		t := d.DueAt.UTC()
		r.DueAt = &t
	}
	if !d.SentAt.IsZero() {
		t := d.SentAt.UTC()
		r.SentAt = &t
	}
	if !d.RepliedAt.IsZero() {
		t := d.RepliedAt.UTC()
		r.RepliedAt = &t
	}
	return r
}

// exportPage is how many deliveries are read at a time for a report.
const exportPage = 1000

// Deliveries calls fn with every delivery of one of the user's campaigns,
// in recipient order, a page at a time.
func (s *Service) Deliveries(ctx context.Context, userID, id int64, fn func(DeliveryRow) error) error {
	if _, err := s.campaign(ctx, userID, id); err != nil {
		return err
	}
	for after := int64(0); ; {
		page, err := s.st.ListDeliveries(ctx, id, after, exportPage)
		if err != nil {
			return err
		}
		for _, d := range page {
			if err := fn(rowOf(d)); err != nil {
				return err
			}
		}
		if len(page) < exportPage {
			return nil
		}
		after = page[len(page)-1].ID
	}
}

// WriteDeliveries writes the delivery report as "csv" or "json".
func (s *Service) WriteDeliveries(ctx context.Context, userID, id int64, format string, w io.Writer) error {
	if format == "csv" {
		// The BOM makes spreadsheet programs read the names as UTF-8, as
		// the member lists' CSV does.
		if _, err := io.WriteString(w, "\ufeff"); err != nil {
			return err
		}
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"user_id", "username", "first_name", "last_name", "account_id", "state", "reason", "random_id", "message_id", "sent_at", "replied_at", "step", "due_at"})
		err := s.Deliveries(ctx, userID, id, func(r DeliveryRow) error {
			// A row no account took (skipped before sending) has no
			// account: an empty cell, not an account "0".
			account := ""
			if r.AccountID != 0 {
				account = strconv.FormatInt(r.AccountID, 10)
			}
			// Every text column through the formula guard: a username
			// stored before usernames were checked on every path too.
			return cw.Write([]string{strconv.FormatInt(r.UserID, 10), usertext.CSVCell(r.Username),
				usertext.CSVCell(r.FirstName), usertext.CSVCell(r.LastName), account,
				usertext.CSVCell(r.State), usertext.CSVCell(r.Reason), r.RandomID, strconv.Itoa(r.MessageID), timeText(r.SentAt), timeText(r.RepliedAt),
				strconv.Itoa(r.Step), timeText(r.DueAt)})
		})
		cw.Flush()
		if err != nil {
			return err
		}
		return cw.Error()
	}
	if _, err := io.WriteString(w, "["); err != nil {
		return err
	}
	first := true
	enc := json.NewEncoder(w)
	err := s.Deliveries(ctx, userID, id, func(r DeliveryRow) error {
		if !first {
			if _, err := io.WriteString(w, ","); err != nil {
				return err
			}
		}
		first = false
		return enc.Encode(r)
	})
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, "]\n")
	return err
}

func timeText(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// Replies lists a campaign's replies, newest first.
func (s *Service) Replies(ctx context.Context, userID, id int64, limit int) ([]store.Delivery, error) {
	if _, err := s.campaign(ctx, userID, id); err != nil {
		return nil, err
	}
	return s.st.ListReplies(ctx, id, limit)
}

// Timeline is a campaign's sends and replies over time, in buckets sized
// to its length.
func (s *Service) Timeline(ctx context.Context, userID, id int64) ([]store.TimeBucket, time.Duration, error) {
	c, err := s.campaign(ctx, userID, id)
	if err != nil {
		return nil, 0, err
	}
	width := time.Minute
	if !c.StartedAt.IsZero() {
		end := s.now()
		if !c.FinishedAt.IsZero() {
			end = c.FinishedAt
		}
		switch span := end.Sub(c.StartedAt); {
		case span > 7*24*time.Hour:
			width = 24 * time.Hour
		case span > 24*time.Hour:
			width = time.Hour
		case span > 3*time.Hour:
			width = 10 * time.Minute
		}
	}
	b, err := s.st.CampaignTimeline(ctx, id, width)
	return b, width, err
}

// PreviewInput is a message and whom to render it for.
type PreviewInput struct {
	Message      string
	OptOutFooter bool
	Recipient    message.Recipient
	// MediaID is a stored file the message goes with as its caption (a
	// test send attaches it); 0 for none.
	MediaID int64
	// Step is the campaign step the message is: 2 to store.MaxSteps for a
	// follow-up, whose errors then name it as Create's do ("Step 2: …",
	// on steps[0].message); 0 or 1 for the first message.
	Step int
}

// Preview renders a message for one recipient, as it would be sent: held
// to the caption limit when it goes with an attachment, with the words
// Create uses at save.
func (s *Service) Preview(in PreviewInput) (message.Rendered, error) {
	r, err := preview(in)
	if err != nil && in.Step > 1 {
		err = stepError(in.Step-2, err)
	}
	return r, err
}

func preview(in PreviewInput) (message.Rendered, error) {
	t, err := message.Parse(in.Message)
	if err != nil {
		return message.Rendered{}, err
	}
	r := t.Render(in.Recipient, message.Options{OptOutFooter: in.OptOutFooter})
	check := r.Check
	if in.MediaID != 0 {
		check = r.CheckCaption
	}
	return r, check(recipientName(0, in.Recipient.Username, in.Recipient.FirstName, in.Recipient.LastName))
}

// PreviewFor renders a campaign's message for one of its recipients.
func (s *Service) PreviewFor(ctx context.Context, userID, id, deliveryAfter int64) (message.Rendered, DeliveryRow, error) {
	c, err := s.campaign(ctx, userID, id)
	if err != nil {
		return message.Rendered{}, DeliveryRow{}, err
	}
	// The first recipient after deliveryAfter who gets the message (not
	// a skipped bot or sending account), found by the database: paging
	// for it read every delivery of a campaign whose recipients were all
	// skipped (22 s for 100,000).
	d, err := s.st.FirstUnskippedDelivery(ctx, id, deliveryAfter)
	if errors.Is(err, store.ErrNotFound) {
		return message.Rendered{}, DeliveryRow{}, nil
	}
	if err != nil {
		return message.Rendered{}, DeliveryRow{}, fmt.Errorf("campaign %d preview recipient: %w", id, err)
	}
	r, err := s.Preview(PreviewInput{Message: c.Message, OptOutFooter: c.OptOutFooter,
		Recipient: message.Recipient{FirstName: d.FirstName, LastName: d.LastName, Username: d.Username}})
	return r, rowOf(d), err
}

// TestSend sends the message, rendered for the account itself, to the
// account's own Saved Messages: what a recipient would see, seen safely.
func (s *Service) TestSend(ctx context.Context, userID, accountID int64, in PreviewInput, linkPreview bool) error {
	if err := actor.Require(ctx, actor.Operator); err != nil {
		return err
	}
	a, err := s.acc.Get(ctx, userID, accountID)
	if err != nil {
		return onField(err, "account_id")
	}
	in.Recipient = message.Recipient{FirstName: a.FirstName, LastName: a.LastName, Username: a.Username}
	r, err := s.Preview(in)
	if err != nil {
		return err
	}
	if in.MediaID != 0 {
		return s.testSendMedia(ctx, userID, accountID, in.MediaID, r)
	}
	return s.acc.Use(telegram.WithKinds(ctx, telegram.KindSend), userID, accountID, func(ctx context.Context, api *tg.Client) error {
		_, err := api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{
			Peer: &tg.InputPeerSelf{}, Message: r.Text, Entities: r.TG(), NoWebpage: !linkPreview, RandomID: telegram.NewRandomID(),
		})
		return err
	})
}

// testSendMedia sends a test with its attachment to the account's Saved
// Messages. It uploads the file as the campaign's first message from the
// account would, and is remembered the same way: a campaign from the
// account then sends it again without an upload.
func (s *Service) testSendMedia(ctx context.Context, userID, accountID, fileID int64, r message.Rendered) error {
	if s.o.Media == nil {
		return fieldError("media_id", fmt.Sprintf("No attachment %d", fileID), "Upload the file first with POST /api/v1/media and give the id it answers with.")
	}
	if _, err := s.o.Media.File(ctx, userID, fileID, "media_id"); err != nil {
		return err
	}
	if err := r.CheckCaption("you"); err != nil {
		return err
	}
	return s.acc.Use(telegram.WithKinds(ctx, telegram.KindSend), userID, accountID, func(ctx context.Context, api *tg.Client) error {
		_, _, err := s.o.Media.Send(ctx, api, media.SendRequest{WorkspaceID: userID, AccountID: accountID, FileID: fileID,
			Peer: &tg.InputPeerSelf{}, Caption: r.Text, Entities: r.TG(), RandomID: telegram.NewRandomID()})
		return err
	})
}
