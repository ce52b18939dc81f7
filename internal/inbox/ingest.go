package inbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/telegramate/telegramate/internal/campaign/message"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
)

// Ingest stores private messages of an account, from pushed updates or
// getDifference: each once, in its conversation (made on the first
// message), with the origin of an outgoing one told apart (a campaign's
// delivery, an answer, the account's own apps). An incoming opt-out
// keyword suppresses the person, and a person's message is told to the
// campaigns as a reply. It is the account runtime's handler (Received).
func (s *Service) Ingest(ctx context.Context, userID, accountID int64, msgs []telegram.PrivateMessage) error {
	for _, m := range msgs {
		if err := s.ingest(ctx, userID, accountID, m, true); err != nil {
			return fmt.Errorf("account %d message %d: %w", accountID, m.ID, err)
		}
	}
	return nil
}

// ingest stores one message; live is false for history, which neither
// suppresses on old opt-outs nor tells the hooks about old messages.
func (s *Service) ingest(ctx context.Context, userID, accountID int64, m telegram.PrivateMessage, live bool) error {
	now := s.now()
	peer := store.ConversationPeer{UserID: userID, AccountID: accountID, TGUserID: m.PeerID, AccessHash: m.AccessHash,
		FirstName: m.FirstName, LastName: m.LastName, Username: m.Username, Now: now}
	if m.Out && m.RandomID != 0 {
		// Sent by the product itself: an answer (kept already, under its
		// random_id) or a campaign's message, which starts no
		// conversation and joins one that exists. Every send of a
		// campaign comes here: most recipients have no conversation,
		// which the account's known peers tell without a query.
		if maybe, err := s.known.mayHave(ctx, s.st, accountID, m.PeerID); err != nil || !maybe {
			return err
		}
		c, err := s.existing(ctx, accountID, m.PeerID)
		if err != nil || c.ID == 0 {
			return err
		}
		return s.store(ctx, userID, accountID, peer, m, store.OriginCampaign, live)
	}
	origin := store.OriginPerson
	d, err := s.st.LatestDeliveryTo(ctx, accountID, m.PeerID)
	switch {
	case err == nil:
		peer.CampaignID = d.CampaignID
		if peer.AccessHash == 0 {
			peer.AccessHash = d.AccessHash
		}
		if peer.FirstName == "" && peer.LastName == "" && peer.Username == "" {
			peer.FirstName, peer.LastName, peer.Username = d.FirstName, d.LastName, d.Username
		}
	case errors.Is(err, store.ErrNotFound):
	default:
		return err
	}
	if m.Out {
		origin = store.OriginApp
		if peer.CampaignID != 0 {
			isCampaign, err := s.st.IsCampaignMessage(ctx, accountID, m.PeerID, m.ID)
			if err != nil {
				return err
			}
			if isCampaign {
				origin = store.OriginCampaign
			}
		}
		if origin == store.OriginCampaign {
			// A campaign's message starts no conversation: the person's
			// reply does. It joins one that exists.
			c, err := s.existing(ctx, accountID, m.PeerID)
			if err != nil || c.ID == 0 {
				return err
			}
		}
	}
	return s.store(ctx, userID, accountID, peer, m, origin, live)
}

// store keeps one message in its conversation (made on the first
// message), once: by its Telegram id, or by the random_id of a message
// the product sent.
func (s *Service) store(ctx context.Context, userID, accountID int64, peer store.ConversationPeer, m telegram.PrivateMessage, origin string, live bool) error {
	now := peer.Now
	dir := store.DirectionIn
	if m.Out {
		dir = store.DirectionOut
	}
	var (
		c     store.Conversation
		row   store.InboxMessage
		added bool
	)
	// One transaction: a new conversation is never seen without its
	// first message.
	err := s.st.InTx(ctx, func(tx store.Tx) error {
		var err error
		var created bool
		if c, created, err = tx.UpsertConversation(ctx, peer); err != nil {
			return err
		}
		if created {
			// Known before the commit: a conversation that rolls back
			// only costs a query later.
			s.known.add(accountID, peer.TGUserID)
		}
		row, added, err = tx.AddInboxMessage(ctx, store.InboxMessage{
			ConversationID: c.ID, UserID: userID, AccountID: accountID, TGMessageID: m.ID, Direction: dir, Origin: origin,
			Text: m.Text, Entities: storeEntities(message.FromTG(m.Text, m.Entities)), MediaType: m.MediaType, MediaSize: m.MediaSize,
			MediaMIME: m.MediaMIME, MediaFileName: m.MediaFileName, SentAt: m.Date, CreatedAt: now, RandomID: m.RandomID,
		})
		if err != nil || !added || !live {
			return err
		}
		if !m.Out {
			// In the message's transaction: a message stored once is a
			// reply counted once and an opt-out applied once, whatever
			// crashes. The opt-out first, so the campaigns see it with
			// the reply (a follow-up cancelled as opted out, not replied).
			if err := s.optOut(ctx, tx, userID, accountID, c, m); err != nil {
				return err
			}
			if s.o.Replies != nil {
				if err := s.o.Replies.Replied(ctx, tx, accountID, m.PeerID, m.Text, m.Date); err != nil {
					return fmt.Errorf("campaign reply: %w", err)
				}
			}
		}
		s.mu.RLock()
		hooks := s.txHooks
		s.mu.RUnlock()
		for _, h := range hooks {
			if err := h(ctx, tx, conversationOf(c), Message{row}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !added {
		return nil
	}
	if !live {
		return nil
	}
	if !m.Out && s.o.Lag != nil {
		s.o.Lag(max(s.now().Sub(m.Date), 0))
	}
	s.publish(Event{Kind: EventMessage, UserID: userID, AccountID: accountID, ConversationID: c.ID, MessageID: row.ID})
	return nil
}

// existing is the account's conversation with the person; zero when there
// is none yet.
func (s *Service) existing(ctx context.Context, accountID, tgUserID int64) (store.Conversation, error) {
	c, err := s.st.ConversationOfPeer(ctx, accountID, tgUserID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Conversation{}, nil
	}
	return c, err
}

// optOut suppresses a person whose message is an opt-out keyword, for
// every campaign of the user, as a reply to a campaign does.
func (s *Service) optOut(ctx context.Context, q store.Queries, userID, accountID int64, c store.Conversation, m telegram.PrivateMessage) error {
	if !message.IsOptOut(m.Text, s.o.OptOutKeywords) { // none configured: the defaults
		return nil
	}
	// The campaign's own wording when the person answers a campaign: the
	// list shows one reason, whichever of the two saw the message first.
	why := fmt.Sprintf("Wrote “%s” to one of your accounts", strings.TrimSpace(m.Text))
	if c.CampaignID != 0 {
		why = fmt.Sprintf("Replied “%s” to campaign “%s”", strings.TrimSpace(m.Text), c.CampaignName)
	}
	_, added, err := q.AddSuppression(ctx, store.Suppression{UserID: userID, TGUserID: c.TGUserID,
		Username: strings.ToLower(c.Username), Reason: why, CreatedAt: s.now()})
	if err != nil {
		return fmt.Errorf("suppress %d: %w", c.TGUserID, err)
	}
	if added {
		s.log.Info("person opted out in the inbox", slog.Int64("user", userID), slog.Int64("account", accountID),
			slog.Int64("conversation", c.ID))
	}
	return nil
}
