package extract

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
)

var usernameRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{2,31}$`)

// chatRef is what a pasted @username or t.me link names: a username, or
// the id of a private supergroup or channel (t.me/c/ID/...).
type chatRef struct {
	username  string
	channelID int64
}

var errBadChatRef = withHint(apperr.Validation("chat", "Enter a @username or a t.me link of a group or channel"),
	"For example @go_devs, t.me/go_devs or https://t.me/c/1234567890/1. A group without a public link: choose it from the account's chats instead.")

// withHint is e with what to do next.
func withHint(e *apperr.Error, hint string) *apperr.Error {
	e.Hint = hint
	return e
}

// parseChatRef reads "@name", "name", "t.me/name", "https://t.me/name/123",
// "t.me/s/name" and "t.me/c/1234567/89".
func parseChatRef(s string) (chatRef, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return chatRef{}, errBadChatRef
	}
	lower := strings.ToLower(s)
	for _, p := range []string{"https://", "http://"} {
		if strings.HasPrefix(lower, p) {
			s, lower = s[len(p):], lower[len(p):]
		}
	}
	if strings.HasPrefix(lower, "www.") {
		s, lower = s[4:], lower[4:]
	}
	path := ""
	for _, host := range []string{"t.me/", "telegram.me/", "telegram.dog/"} {
		if strings.HasPrefix(lower, host) {
			path = s[len(host):]
			break
		}
	}
	if path == "" {
		name := strings.TrimPrefix(s, "@")
		if !usernameRe.MatchString(name) {
			return chatRef{}, errBadChatRef
		}
		return chatRef{username: name}, nil
	}
	path, _, _ = strings.Cut(path, "?")
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case strings.HasPrefix(parts[0], "+") || parts[0] == "joinchat":
		return chatRef{}, ErrInviteLink
	case parts[0] == "c" && len(parts) >= 2:
		id, err := strconv.ParseInt(parts[1], 10, 64)
		if err != nil || id <= 0 {
			return chatRef{}, errBadChatRef
		}
		return chatRef{channelID: id}, nil
	case parts[0] == "s" && len(parts) >= 2:
		parts = parts[1:]
	}
	name := strings.TrimPrefix(parts[0], "@")
	if !usernameRe.MatchString(name) {
		return chatRef{}, errBadChatRef
	}
	return chatRef{username: name}, nil
}

// chatFor finds the chat a start request names, in the account's chats or
// by asking Telegram to resolve a username.
func (s *Service) chatFor(ctx context.Context, userID int64, in StartInput) (store.Chat, error) {
	if in.ChatID != 0 {
		return s.knownChat(ctx, userID, in.AccountID, in.ChatID, "chat_id")
	}
	ref, err := parseChatRef(in.Chat)
	if err != nil {
		return store.Chat{}, err
	}
	if ref.channelID != 0 {
		return s.knownChat(ctx, userID, in.AccountID, ref.channelID, "chat")
	}
	var chat store.Chat
	err = s.acc.Use(telegram.WithKinds(ctx, telegram.KindResolve), userID, in.AccountID, func(ctx context.Context, api *tg.Client) error {
		res, err := api.ContactsResolveUsername(ctx, &tg.ContactsResolveUsernameRequest{Username: ref.username})
		if err != nil {
			return err
		}
		switch p := res.Peer.(type) {
		case *tg.PeerChannel:
			for _, c := range res.Chats {
				if ch, ok := c.(*tg.Channel); ok && ch.ID == p.ChannelID {
					chat = chatFromChannel(in.AccountID, ch)
					return nil
				}
			}
			return ErrChatUnavailable
		case *tg.PeerChat:
			for _, c := range res.Chats {
				if g, ok := c.(*tg.Chat); ok && g.ID == p.ChatID {
					chat = chatFromGroup(in.AccountID, g)
					return nil
				}
			}
			return ErrChatUnavailable
		}
		return ErrNotAChat
	})
	if tgerr.Is(err, "USERNAME_NOT_OCCUPIED", "USERNAME_INVALID") {
		return store.Chat{}, ErrUnknownUsername.Wrap(err)
	}
	if err != nil {
		return store.Chat{}, userError(err, s.now())
	}
	return chat, nil
}

// knownChat is one of the account's chats, refreshing them once when it is
// not among them.
func (s *Service) knownChat(ctx context.Context, userID, accountID, tgChatID int64, field string) (store.Chat, error) {
	c, err := s.st.AccountChatByTGID(ctx, userID, accountID, tgChatID)
	if errors.Is(err, store.ErrNotFound) {
		if _, err := s.RefreshChats(ctx, userID, accountID); err != nil {
			return store.Chat{}, err
		}
		c, err = s.st.AccountChatByTGID(ctx, userID, accountID, tgChatID)
	}
	if errors.Is(err, store.ErrNotFound) {
		e := apperr.NotFound("Chat").OnField(field)
		e.Hint = "The account is not in a chat with that id. Pick one from the account's chats."
		return store.Chat{}, e
	}
	if err != nil {
		return store.Chat{}, fmt.Errorf("chat %d: %w", tgChatID, err)
	}
	return c, nil
}
