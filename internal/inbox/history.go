package inbox

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/gotd/td/tg"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
)

// historyPages bounds what the first opening loads (100 messages a page):
// enough to read a conversation back to its start in all but long ones.
const historyPages = 3

// LoadHistory fills a conversation with what Telegram keeps of the chat:
// the messages from before the inbox saw it (what a campaign sent, what
// the account wrote from its own apps). It is done once per conversation.
func (s *Service) LoadHistory(ctx context.Context, c store.Conversation) error {
	if c.AccessHash == 0 {
		return fmt.Errorf("conversation %d: the person's access hash is not known yet", c.ID)
	}
	var msgs []telegram.PrivateMessage
	err := s.acc.Use(telegram.WithKinds(ctx, telegram.KindAccount), c.UserID, c.AccountID, func(ctx context.Context, api *tg.Client) error {
		before := 0
		for range historyPages {
			page, err := telegram.History(ctx, api, c.TGUserID, c.AccessHash, before, 100)
			if err != nil {
				return err
			}
			msgs = append(msgs, page...)
			if len(page) < 100 {
				return nil
			}
			before = page[len(page)-1].ID
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("conversation %d history: %w", c.ID, err)
	}
	for _, m := range msgs {
		if m.PeerID != c.TGUserID {
			continue
		}
		if err := s.ingest(ctx, c.UserID, c.AccountID, m, false); err != nil {
			return fmt.Errorf("conversation %d history: %w", c.ID, err)
		}
	}
	if err := s.st.SetHistoryLoaded(ctx, c.ID, s.now()); err != nil {
		return err
	}
	s.publish(Event{Kind: EventConversation, UserID: c.UserID, AccountID: c.AccountID, ConversationID: c.ID})
	return nil
}

// readOnTelegram marks the chat read on Telegram (Options.ReadOnTelegram).
func (s *Service) readOnTelegram(ctx context.Context, c store.Conversation) {
	if c.AccessHash == 0 {
		return
	}
	err := s.acc.Use(telegram.WithKinds(ctx, telegram.KindAccount), c.UserID, c.AccountID, func(ctx context.Context, api *tg.Client) error {
		return telegram.ReadHistory(ctx, api, c.TGUserID, c.AccessHash, 0)
	})
	if err != nil {
		s.log.Info("conversation not marked read on Telegram", slog.Int64("conversation", c.ID), slog.Any("err", err))
	}
}
