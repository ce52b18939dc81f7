package extract

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gotd/td/telegram/query"
	"github.com/gotd/td/telegram/query/dialogs"
	"github.com/gotd/td/tg"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
)

// refreshFloodMax is the longest FLOOD_WAIT a chat refresh (a web request)
// waits out; a longer one is reported to the user.
const refreshFloodMax = 10 * time.Second

// Chats lists the account's groups, supergroups and channels as the last
// refresh found them, fetching them first when there is none yet; search
// keeps the ones whose title or username contains it.
func (s *Service) Chats(ctx context.Context, userID, accountID int64, search string) ([]store.Chat, error) {
	if err := s.acc.Owned(ctx, userID, accountID); err != nil {
		return nil, err
	}
	chats, err := s.st.ListAccountChats(ctx, userID, accountID)
	if err != nil {
		return nil, fmt.Errorf("account %d chats: %w", accountID, err)
	}
	if len(chats) == 0 {
		// Filling the first list is part of reading it: any member may.
		if chats, err = s.refreshChats(ctx, userID, accountID); err != nil {
			return nil, err
		}
	}
	return filterChats(chats, search), nil
}

func filterChats(chats []store.Chat, search string) []store.Chat {
	q := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(search), "@"))
	if q == "" {
		return chats
	}
	out := chats[:0:0]
	for _, c := range chats {
		if strings.Contains(strings.ToLower(c.Title), q) || strings.Contains(strings.ToLower(c.Username), q) {
			out = append(out, c)
		}
	}
	return out
}

// RefreshChats asks Telegram for the account's chats (its dialogs, then
// each channel's full info for member counts and hidden members) and
// stores them.
func (s *Service) RefreshChats(ctx context.Context, userID, accountID int64) ([]store.Chat, error) {
	if err := actor.Require(ctx, actor.Operator); err != nil {
		return nil, err
	}
	return s.refreshChats(ctx, userID, accountID)
}

func (s *Service) refreshChats(ctx context.Context, userID, accountID int64) ([]store.Chat, error) {
	if err := s.acc.Owned(ctx, userID, accountID); err != nil {
		return nil, err
	}
	var chats []store.Chat
	err := s.acc.Use(telegram.WithKinds(ctx, telegram.KindAccount), userID, accountID, func(ctx context.Context, api *tg.Client) error {
		var err error
		chats, err = fetchChats(ctx, api, accountID)
		return err
	}, telegram.HonourFloodWait(refreshFloodMax))
	if err != nil {
		return nil, userError(err, s.now())
	}
	now := s.now()
	if err := s.st.ReplaceAccountChats(ctx, accountID, chats, now); err != nil {
		return nil, fmt.Errorf("account %d: save chats: %w", accountID, err)
	}
	stored, err := s.st.ListAccountChats(ctx, userID, accountID)
	if err != nil {
		return nil, fmt.Errorf("account %d chats: %w", accountID, err)
	}
	return stored, nil
}

func fetchChats(ctx context.Context, api *tg.Client, accountID int64) ([]store.Chat, error) {
	var chats []store.Chat
	err := query.GetDialogs(api).BatchSize(100).ForEach(ctx, func(ctx context.Context, e dialogs.Elem) error {
		switch p := e.Peer.(type) {
		case *tg.InputPeerChat:
			if c, ok := e.Entities.Chat(p.ChatID); ok && !c.Deactivated && !c.Left {
				chats = append(chats, chatFromGroup(accountID, c))
			}
		case *tg.InputPeerChannel:
			if c, ok := e.Entities.Channel(p.ChannelID); ok && !c.Left {
				chats = append(chats, chatFromChannel(accountID, c))
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dialogs: %w", err)
	}
	for i := range chats {
		c := &chats[i]
		if c.Kind == store.ChatGroup {
			continue
		}
		full, err := api.ChannelsGetFullChannel(ctx, &tg.InputChannel{ChannelID: c.TGChatID, AccessHash: c.AccessHash})
		if err != nil {
			return nil, fmt.Errorf("channel %d: %w", c.TGChatID, err)
		}
		if cf, ok := full.FullChat.(*tg.ChannelFull); ok {
			c.MembersCount = max(c.MembersCount, cf.ParticipantsCount)
			c.MembersHidden = cf.ParticipantsHidden
		}
	}
	slices.SortStableFunc(chats, func(a, b store.Chat) int { return b.MembersCount - a.MembersCount })
	return chats, nil
}

func chatFromGroup(accountID int64, c *tg.Chat) store.Chat {
	_, admin := c.GetAdminRights()
	return store.Chat{
		AccountID: accountID, TGChatID: c.ID, Kind: store.ChatGroup, Title: c.Title,
		MembersCount: c.ParticipantsCount, IsAdmin: admin || c.Creator, IsCreator: c.Creator,
	}
}

func chatFromChannel(accountID int64, c *tg.Channel) store.Chat {
	kind := store.ChatSupergroup
	if c.Broadcast {
		kind = store.ChatChannel
	}
	_, admin := c.GetAdminRights()
	username := c.Username
	if username == "" {
		for _, u := range c.Usernames {
			if u.Active {
				username = u.Username
				break
			}
		}
	}
	count, _ := c.GetParticipantsCount()
	return store.Chat{
		AccountID: accountID, TGChatID: c.ID, AccessHash: c.AccessHash, Kind: kind, Title: c.Title,
		Username: username, MembersCount: count, IsAdmin: admin || c.Creator, IsCreator: c.Creator,
	}
}
