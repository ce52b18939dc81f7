package ui

import (
	"net/http"

	"github.com/telegramate/telegramate/internal/inbox"
	"github.com/telegramate/telegramate/internal/web/auth"
)

// dashboardUnread is how many unread conversations the dashboard lists.
const dashboardUnread = 5

// unreadBadge fills the navigation's unread count. A failure to count
// costs the badge, not the page; the request log keeps the error.
func (h *Handler) unreadBadge(r *http.Request, p *Page) {
	n, err := h.Inbox.UnreadCount(r.Context(), p.User.ID)
	if err != nil {
		auth.NoteError(r.Context(), err)
		return
	}
	p.Unread = n
}

// inboxCounters fills the dashboard's inbox slots: the unread count and
// the newest unread conversations.
func (h *Handler) inboxCounters(r *http.Request, uid int64, d *dashboardData) error {
	var err error
	if d.Unread, err = h.Inbox.UnreadCount(r.Context(), uid); err != nil || d.Unread == 0 {
		return err
	}
	page, err := h.Inbox.List(r.Context(), uid, inbox.Filter{Unread: true, Limit: dashboardUnread})
	if err != nil {
		return err
	}
	for _, c := range page.Conversations {
		d.UnreadConversations = append(d.UnreadConversations, rowOf(c))
	}
	return nil
}
