package web

import (
	"context"

	"github.com/telegramate/telegramate/internal/store"
)

// storeAccounts answers the dashboard's question from the store until the
// accounts domain provides Deps.Accounts: an account counts as connected
// once its login finished and until it is disconnected.
type storeAccounts struct{ st store.Store }

func (s storeAccounts) ConnectedAccounts(ctx context.Context, userID int64) (int, error) {
	list, err := s.st.ListAccounts(ctx, userID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, a := range list {
		if a.Status != store.AccountPending && a.Status != store.AccountDisconnected {
			n++
		}
	}
	return n, nil
}
