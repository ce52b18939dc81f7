package sandbox

import (
	"context"

	"github.com/gotd/td/tg"
)

func (s *Server) registerUpdates(d *tg.ServerDispatcher) {
	d.OnUpdatesGetState(s.getState)
	d.OnUpdatesGetDifference(s.getDifference)
}

func (s *Server) getState(ctx context.Context) (*tg.UpdatesState, error) {
	c := callerFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	return &tg.UpdatesState{Pts: s.box(c.userID).Pts, Date: int(s.now().Unix())}, nil
}

// getDifference returns every box message after the client's pts.
func (s *Server) getDifference(ctx context.Context, req *tg.UpdatesGetDifferenceRequest) (tg.UpdatesDifferenceClass, error) {
	c := callerFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.box(c.userID)
	date := int(s.now().Unix())
	if req.Pts >= b.Pts {
		return &tg.UpdatesDifferenceEmpty{Date: date}, nil
	}
	users := map[int64]bool{c.userID: true}
	msgs := []tg.MessageClass{}
	for _, m := range b.Msgs {
		if m.Pts > req.Pts {
			msgs = append(msgs, s.boxMessage(c.userID, m))
			users[m.Peer] = true
		}
	}
	return &tg.UpdatesDifference{
		NewMessages:          msgs,
		NewEncryptedMessages: []tg.EncryptedMessageClass{},
		OtherUpdates:         []tg.UpdateClass{},
		Chats:                []tg.ChatClass{},
		Users:                s.usersFor(c.userID, users),
		State:                tg.UpdatesState{Pts: b.Pts, Date: date},
	}, nil
}
