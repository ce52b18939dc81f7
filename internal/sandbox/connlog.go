package sandbox

import (
	"sort"
	"sync"
	"time"

	"github.com/gotd/td/tg"
)

// NodeParam is the initConnection params key under which Telegramate names
// the node (telegramate serve --node-id) a connection comes from.
const NodeParam = "telegramate_node"

// Connection is one client connection as the sandbox saw it: which node
// opened it (from initConnection's params), which account it served, and
// when it was open. Telegram invalidates an auth key used from two places
// at once, so a test proves from this record that one account was never
// connected from two nodes at the same moment.
type Connection struct {
	ID        int64     `json:"id"`
	DC        int       `json:"dc"`
	Node      string    `json:"node"`    // "" when the client named none
	UserID    int64     `json:"user_id"` // the account served; 0 before a logged-in call
	AuthKeyID int64     `json:"auth_key_id,omitempty"`
	Opened    time.Time `json:"opened"`
	Closed    time.Time `json:"closed"` // zero while open
	Calls     int       `json:"calls"`
}

// Open says whether the connection is still open.
func (c Connection) Open() bool { return c.Closed.IsZero() }

// end is when the connection closed, or now while it is open.
func (c Connection) end(now time.Time) time.Time {
	if c.Open() {
		return now
	}
	return c.Closed
}

// connLog records connections; it has a lock of its own so the record never
// waits on the sandbox's world.
type connLog struct {
	mu    sync.Mutex
	conns map[int64]*Connection
	order []int64
}

// ConnOpened, ConnInit and ConnClosed make connLog the data centers'
// mtserver.ConnObserver. Connection times are the real time, not the
// sandbox's clock: they are compared with the moments processes die.
func (l *connLog) ConnOpened(dc int, id int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conns == nil {
		l.conns = map[int64]*Connection{}
	}
	l.conns[id] = &Connection{ID: id, DC: dc, Opened: time.Now().UTC()}
	l.order = append(l.order, id)
}

func (l *connLog) ConnInit(id int64, params tg.JSONValueClass) {
	node := nodeOf(params)
	l.mu.Lock()
	defer l.mu.Unlock()
	if c := l.conns[id]; c != nil && node != "" {
		c.Node = node
	}
}

func (l *connLog) ConnClosed(id int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c := l.conns[id]; c != nil {
		c.Closed = time.Now().UTC()
	}
	if len(l.order) > maxConnRecords {
		l.forgetOldest()
	}
}

// maxConnRecords bounds the record of a sandbox that runs for days (a demo
// opens a connection per account use).
const maxConnRecords = 100_000

// forgetOldest drops the older half's closed connections.
func (l *connLog) forgetOldest() {
	half := len(l.order) / 2
	kept := l.order[:0]
	for i, id := range l.order {
		if i < half && !l.conns[id].Open() {
			delete(l.conns, id)
			continue
		}
		kept = append(kept, id)
	}
	l.order = kept
}

// call notes a call on the connection; the first logged-in call names the
// account it serves.
func (l *connLog) call(id, userID, keyID int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.conns[id]
	if c == nil {
		return
	}
	c.Calls++
	if c.AuthKeyID == 0 {
		c.AuthKeyID = keyID
	}
	if c.UserID == 0 && userID > 0 {
		c.UserID = userID
	}
}

func nodeOf(params tg.JSONValueClass) string {
	obj, ok := params.(*tg.JSONObject)
	if !ok {
		return ""
	}
	for _, kv := range obj.Value {
		if kv.Key != NodeParam {
			continue
		}
		if s, ok := kv.Value.(*tg.JSONString); ok {
			return s.Value
		}
	}
	return ""
}

// ConnectionLog lists the client connections since the start (past the
// last 100,000, the oldest closed ones are forgotten), in the order they
// were opened.
func (s *Server) ConnectionLog() []Connection {
	l := &s.connLog
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Connection, 0, len(l.order))
	for _, id := range l.order {
		out = append(out, *l.conns[id])
	}
	return out
}

// NodeOverlap is a time when one account had connections from two
// different nodes open at once.
type NodeOverlap struct {
	UserID   int64         `json:"user_id"`
	From, To time.Time     `json:"-"`
	Conns    [2]Connection `json:"conns"`
}

// NodeOverlaps lists every time an account was connected from two
// different nodes at once for longer than slack (a connection is counted
// from its opening, before it said whose it is, to its closing), oldest
// first; none means one node at a time spoke for each account. Connections
// that never made a logged-in call serve no account and are left out.
//
// The sandbox sees a connection close when it reads the client's hang-up,
// a moment after the client closed it: a node that hands an account over
// and the next one that connects at once overlap by that moment (tens of
// microseconds, more on a loaded machine), which slack forgives.
func (s *Server) NodeOverlaps(slack time.Duration) []NodeOverlap {
	now := time.Now().UTC()
	byUser := map[int64][]Connection{}
	for _, c := range s.ConnectionLog() {
		if c.UserID != 0 {
			byUser[c.UserID] = append(byUser[c.UserID], c)
		}
	}
	var out []NodeOverlap
	for user, cs := range byUser {
		for i := range cs {
			for j := i + 1; j < len(cs); j++ {
				a, b := cs[i], cs[j]
				if a.Node == b.Node {
					continue
				}
				from, to := later(a.Opened, b.Opened), earlier(a.end(now), b.end(now))
				if to.Sub(from) > slack {
					out = append(out, NodeOverlap{UserID: user, From: from, To: to, Conns: [2]Connection{a, b}})
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].From.Before(out[j].From) })
	return out
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
