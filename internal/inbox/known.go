package inbox

import (
	"context"
	"sync"

	"github.com/telegramate/telegramate/internal/lease"
)

// Every message a campaign sends comes back through the account's
// updates as the account's own, and joins the person's conversation if
// there is one; most recipients have none. knownPeers keeps, per account
// held here, the people it has a conversation with, so such a message
// costs a query only when one may exist (it cost one per send: on
// PostgreSQL a campaign's messages per second fell by a quarter).
//
// The set is read once per lease of the account (its fencing token): the
// node holding the account is the only one that hears its messages, so
// while it holds the account it creates every conversation itself; under
// a new lease, another node may have created some meanwhile. A person in
// the set whose conversation is gone only costs the query again.
type knownPeers struct {
	mu        sync.Mutex
	byAccount map[int64]*peerSet
}

// peersReader is the one read mayHave makes.
type peersReader interface {
	ConversationPeersOf(ctx context.Context, accountID int64) ([]int64, error)
}

type peerSet struct {
	token int64
	peers map[int64]struct{}
}

// mayHave reports whether the account may have a conversation with
// tgUserID: false only when it has none for certain.
func (k *knownPeers) mayHave(ctx context.Context, st peersReader, accountID, tgUserID int64) (bool, error) {
	f, ok := lease.FromContext(ctx)
	if !ok {
		return true, nil // not under a lease: the database says
	}
	k.mu.Lock()
	set := k.byAccount[accountID]
	if set != nil && set.token == f.Token {
		_, in := set.peers[tgUserID]
		k.mu.Unlock()
		return in, nil
	}
	k.mu.Unlock()
	ids, err := st.ConversationPeersOf(ctx, accountID)
	if err != nil {
		return false, err
	}
	set = &peerSet{token: f.Token, peers: make(map[int64]struct{}, len(ids))}
	for _, id := range ids {
		set.peers[id] = struct{}{}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.byAccount == nil {
		k.byAccount = map[int64]*peerSet{}
	}
	k.byAccount[accountID] = set
	_, in := set.peers[tgUserID]
	return in, nil
}

// add records a conversation just made.
func (k *knownPeers) add(accountID, tgUserID int64) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if set := k.byAccount[accountID]; set != nil {
		set.peers[tgUserID] = struct{}{}
	}
}
