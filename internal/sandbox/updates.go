package sandbox

import (
	"context"

	"github.com/gotd/td/tg"
)

// diffSliceMax is the most new messages one updates.getDifference returns;
// past it the answer is a differenceSlice and the client asks again, as
// with Telegram.
const diffSliceMax = 1000

func (s *Server) registerUpdates(d *tg.ServerDispatcher) {
	d.OnUpdatesGetState(s.getState)
	d.OnUpdatesGetDifference(s.getDifference)
}

// getState is the account's common update state. Only private messages
// move it: pts counts them; qts (secret chats, bots) and seq (updates sent
// as updates/updatesCombined) stay 0 because the sandbox sends neither.
func (s *Server) getState(ctx context.Context) (*tg.UpdatesState, error) {
	c := callerFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	return &tg.UpdatesState{Pts: s.box(c.userID).Pts, Date: int(s.now().Unix())}, nil
}

// getDifference returns every box message after the client's pts, at most
// diffSliceMax at a time.
func (s *Server) getDifference(ctx context.Context, req *tg.UpdatesGetDifferenceRequest) (tg.UpdatesDifferenceClass, error) {
	c := callerFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.box(c.userID)
	date := int(s.now().Unix())
	if req.Pts == b.Pts {
		return &tg.UpdatesDifferenceEmpty{Date: date}, nil
	}
	// A pts ahead of the box means the client remembers a sandbox that was
	// restarted without --state; Telegram's answer for a state it cannot
	// serve makes the client start again from the box's pts.
	if req.Pts > b.Pts || (req.PtsTotalLimit > 0 && b.Pts-req.Pts > req.PtsTotalLimit) {
		return &tg.UpdatesDifferenceTooLong{Pts: b.Pts}, nil
	}
	users := map[int64]bool{c.userID: true}
	msgs := []tg.MessageClass{}
	last := req.Pts
	// Box messages are in pts order; pts 1 is the empty box, message i has
	// pts i+2.
	for _, m := range b.Msgs[max(0, req.Pts-1):] {
		if m.Pts <= req.Pts {
			continue
		}
		if len(msgs) == diffSliceMax {
			break
		}
		msgs = append(msgs, s.boxMessage(c.userID, m))
		users[m.Peer] = true
		last = m.Pts
	}
	d := &tg.UpdatesDifference{
		NewMessages:          msgs,
		NewEncryptedMessages: []tg.EncryptedMessageClass{},
		OtherUpdates:         []tg.UpdateClass{},
		Chats:                []tg.ChatClass{},
		Users:                s.usersFor(c.userID, users),
		State:                tg.UpdatesState{Pts: b.Pts, Date: date},
	}
	if last < b.Pts {
		return &tg.UpdatesDifferenceSlice{
			NewMessages: d.NewMessages, NewEncryptedMessages: d.NewEncryptedMessages,
			OtherUpdates: d.OtherUpdates, Chats: d.Chats, Users: d.Users,
			IntermediateState: tg.UpdatesState{Pts: last, Date: date},
		}, nil
	}
	return d, nil
}
