package telegram

import (
	"context"
	"fmt"
	"time"

	"github.com/gotd/td/tg"
)

// UpdatesState is where an account's updates stand (Telegram's pts, qts,
// date and seq). Stored by the caller, it lets Difference pick up exactly
// after the last update seen, across restarts and gaps.
type UpdatesState struct {
	Pts, Qts, Date, Seq int
}

// Incoming is a private message someone wrote to the account.
type Incoming struct {
	MessageID  int
	FromUserID int64
	Text       string
	Date       time.Time
	// FromUsername and names come from the update's users, when given.
	FromUsername string
	FirstName    string
	LastName     string
}

// CurrentState asks Telegram where the account's updates stand now: the
// starting point for an account whose state was never stored.
func CurrentState(ctx context.Context, api *tg.Client) (UpdatesState, error) {
	s, err := api.UpdatesGetState(ctx)
	if err != nil {
		return UpdatesState{}, err
	}
	return UpdatesState{Pts: s.Pts, Qts: s.Qts, Date: s.Date, Seq: s.Seq}, nil
}

// maxDifferenceRounds bounds one catch-up; the state returned lets the
// next call continue where this one stopped.
const maxDifferenceRounds = 20

// Difference fetches what happened since from (updates.getDifference,
// following slices) and returns the incoming private messages and the
// state to store. A gap too long for Telegram to describe moves the state
// to where Telegram says, as its clients do.
func Difference(ctx context.Context, api *tg.Client, from UpdatesState) (UpdatesState, []Incoming, error) {
	st := from
	var out []Incoming
	for range maxDifferenceRounds {
		res, err := api.UpdatesGetDifference(ctx, &tg.UpdatesGetDifferenceRequest{Pts: st.Pts, Qts: st.Qts, Date: st.Date})
		if err != nil {
			return st, out, fmt.Errorf("telegram updates.getDifference: %w", err)
		}
		switch d := res.(type) {
		case *tg.UpdatesDifferenceEmpty:
			st.Date, st.Seq = d.Date, d.Seq
			return st, out, nil
		case *tg.UpdatesDifference:
			out = append(out, incoming(d.NewMessages, d.OtherUpdates, d.Users)...)
			return stateOf(d.State), out, nil
		case *tg.UpdatesDifferenceSlice:
			out = append(out, incoming(d.NewMessages, d.OtherUpdates, d.Users)...)
			st = stateOf(d.IntermediateState)
		case *tg.UpdatesDifferenceTooLong:
			st.Pts = d.Pts
			return st, out, nil
		default:
			return st, out, fmt.Errorf("telegram updates.getDifference: unexpected %T", res)
		}
	}
	return st, out, nil
}

func stateOf(s tg.UpdatesState) UpdatesState {
	return UpdatesState{Pts: s.Pts, Qts: s.Qts, Date: s.Date, Seq: s.Seq}
}

// incoming picks the private messages written to the account.
func incoming(msgs []tg.MessageClass, other []tg.UpdateClass, users []tg.UserClass) []Incoming {
	for _, u := range other {
		if m, ok := u.(*tg.UpdateNewMessage); ok {
			msgs = append(msgs, m.Message)
		}
	}
	byID := map[int64]*tg.User{}
	for _, u := range users {
		if v, ok := u.(*tg.User); ok {
			byID[v.ID] = v
		}
	}
	var out []Incoming
	for _, mc := range msgs {
		m, ok := mc.(*tg.Message)
		if !ok || m.Out {
			continue
		}
		peer, ok := m.PeerID.(*tg.PeerUser)
		if !ok {
			continue // groups and channels are not conversations with a recipient
		}
		in := Incoming{MessageID: m.ID, FromUserID: peer.UserID, Text: m.Message, Date: time.Unix(int64(m.Date), 0).UTC()}
		if u := byID[peer.UserID]; u != nil {
			in.FromUsername, in.FirstName, in.LastName = u.Username, u.FirstName, u.LastName
		}
		out = append(out, in)
	}
	return out
}
