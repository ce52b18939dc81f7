package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/web/auth"
)

// Chat is a group, supergroup or channel a Telegram account can see.
type Chat struct {
	ID            int64     `json:"id" doc:"Telegram's chat id; pass it as chat_id to POST /extractions"`
	Title         string    `json:"title"`
	Username      string    `json:"username,omitempty"`
	Type          string    `json:"type" enum:"group,supergroup,channel"`
	MembersCount  int       `json:"members_count"`
	IsAdmin       bool      `json:"is_admin" doc:"The account is an admin (or the creator)"`
	IsCreator     bool      `json:"is_creator"`
	MembersHidden bool      `json:"members_hidden" doc:"Telegram shows non-admins only the admins and bots"`
	RefreshedAt   time.Time `json:"refreshed_at"`
}

type chatsIn struct {
	ID      int64  `path:"id" doc:"The account's id"`
	Q       string `query:"q" doc:"Keep chats whose title or username contains this"`
	Refresh bool   `query:"refresh" doc:"Ask Telegram again instead of answering from the last refresh"`
}

type chatsOut struct {
	Body struct {
		Chats []Chat `json:"chats"`
	}
}

func chatBody(c store.Chat) Chat {
	return Chat{
		ID: c.TGChatID, Title: c.Title, Username: c.Username, Type: c.Kind, MembersCount: c.MembersCount,
		IsAdmin: c.IsAdmin, IsCreator: c.IsCreator, MembersHidden: c.MembersHidden, RefreshedAt: c.RefreshedAt.UTC(),
	}
}

func (a *API) registerChats() {
	svc := a.deps.Extract
	if svc == nil {
		return
	}
	huma.Register(a.huma, huma.Operation{
		OperationID: "list-account-chats",
		Method:      http.MethodGet,
		Path:        "/accounts/{id}/chats",
		Summary:     "The account's groups, supergroups and channels, largest first (fetched from Telegram on first use or with refresh=true)",
		Tags:        []string{"Member extraction"},
		Middlewares: huma.Middlewares{withClientIP},
	}, func(ctx context.Context, in *chatsIn) (*chatsOut, error) {
		userID := auth.WorkspaceID(ctx)
		var (
			chats []store.Chat
			err   error
		)
		if in.Refresh {
			if _, err = svc.RefreshChats(ctx, userID, in.ID); err == nil {
				chats, err = svc.Chats(ctx, userID, in.ID, in.Q)
			}
		} else {
			chats, err = svc.Chats(ctx, userID, in.ID, in.Q)
		}
		if err != nil {
			return nil, err
		}
		out := &chatsOut{}
		out.Body.Chats = make([]Chat, 0, len(chats))
		for _, c := range chats {
			out.Body.Chats = append(out.Body.Chats, chatBody(c))
		}
		return out, nil
	})
}
