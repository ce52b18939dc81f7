package accounts

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/gotd/td/tg"

	"github.com/telegramate/telegramate/internal/connections"
	"github.com/telegramate/telegramate/internal/lease"
	"github.com/telegramate/telegramate/internal/relay"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
)

// A person's request (a chat list, the sessions page, a test send) on a
// node that does not hold the account is made by the node that does, on
// its live connection (package relay): the account stays where it is, so
// a campaign sending there is not interrupted and the person does not
// wait for a handover.

func (s *Service) newRelay(databaseURL string) *relay.Relay {
	return relay.New(relay.Options{Store: s.st, Node: s.leases.NodeID(), DatabaseURL: databaseURL,
		Make: s.makeRelayed, Wanted: s.leases.RenewNow, ErrorOf: telegram.RelayError, ErrorFrom: telegram.RelayedError, Log: s.log, Now: s.now})
}

// holderElsewhere is the node to relay a call of ctx to: another node
// holds the account's lease and this one has no connection of it. Only a
// person's calls are relayed; work (sends, pages, answers) runs where its
// job runs, under the lease.
func (s *Service) holderElsewhere(ctx context.Context, accountID int64) (string, bool) {
	if !s.relay.Enabled() || !connections.IsPerson(ctx) || s.rt.Live(accountID) {
		return "", false
	}
	l, err := s.st.LeaseOf(ctx, accountID)
	if err != nil || l.Holder == s.leases.NodeID() || l.Left <= 0 {
		return "", false
	}
	return l.Holder, true
}

// useRelayed runs fn with its calls made by holder. made is false when they
// could not be made there (the account moved, the holder is gone): none
// was made, and the account is to be taken here as usual.
func (s *Service) useRelayed(ctx context.Context, a store.AccountRef, holder string, fn func(ctx context.Context, api *tg.Client) error) (made bool, err error) {
	floodMax := telegram.FloodWaitMaxOf(ctx)
	var moved atomic.Bool
	send := func(ctx context.Context, body []byte) ([]byte, error) {
		out, err := s.relay.Call(ctx, a, holder, body, floodMax)
		if errors.Is(err, relay.ErrMoved) || errors.Is(err, relay.ErrNotTaken) {
			moved.Store(true)
		}
		return out, err
	}
	// A file kept on another DC is downloaded by the holder too, on its
	// client's connection there.
	err = fn(telegram.WithOtherDCs(ctx, telegram.RelayedOtherDCs(send)), telegram.RelayedClient(send))
	if moved.Load() {
		return false, nil
	}
	return true, err
}

// makeRelayed makes a call another node wrote for this one, on the
// account's connection here, as a person's request (first in line), and
// records what Telegram says of the account's health as Use does.
func (s *Service) makeRelayed(ctx context.Context, c store.AccountCall) ([]byte, error) {
	if !s.rt.Live(c.AccountID) {
		return nil, relay.ErrMoved
	}
	var out []byte
	// Refused only by a wait of the call's own kind, as on the node that
	// asked.
	ctx = telegram.WithKinds(connections.WithPriority(ctx, connections.Person), telegram.RelayedKind(c.Body))
	err := s.Use(ctx, c.UserID, c.AccountID, func(ctx context.Context, api *tg.Client) error {
		var err error
		out, err = telegram.InvokeRelayed(ctx, api, c.Body)
		return err
	}, telegram.HonourFloodWait(c.FloodWaitMax))
	if errors.Is(err, lease.ErrBusy) {
		return nil, relay.ErrMoved
	}
	return out, err
}
