package store

import (
	"context"
	"errors"
	"time"
)

// ErrFenced refuses a write made under a lease that is no longer current
// (expired, released or taken by another node): the writer must stop
// acting for the account, not retry.
var ErrFenced = errors.New("store: the account's lease is no longer held by this node")

// Lease is one node's hold on a Telegram account. Expiry is decided by the
// database's clock: ExpiresAt is the database's time, Left how long the
// lease had to run when the database answered.
type Lease struct {
	AccountID int64
	Holder    string // the node id
	// Token grows by one with every acquisition of the account, by any
	// node; writes made under a lease carry it (Fence), so a node that
	// lost its lease cannot write after the next holder started.
	Token     int64
	ExpiresAt time.Time
	Left      time.Duration
	// Wanted says another node asked for the account since this token
	// was given (WantLease).
	Wanted bool
}

// Fence is what a write made for an account presents: the lease it was
// made under.
type Fence struct {
	AccountID int64
	Holder    string
	Token     int64
}

// Fence is the lease as its writes present it.
func (l Lease) Fence() Fence { return Fence{AccountID: l.AccountID, Holder: l.Holder, Token: l.Token} }

// Unfenced is the fence of a write made for an account under no lease (a
// user's action in the web app, a test): it applies whoever holds the
// account. Fenced writes take a Fence in their signature, so a caller
// without a lease names this choice.
var Unfenced = Fence{}

// IsUnfenced reports whether f is Unfenced.
func (f Fence) IsUnfenced() bool { return f == Unfenced }

// Node is a running `telegramate serve` process, as its heartbeat records it.
type Node struct {
	ID        string
	StartedAt time.Time
	SeenAt    time.Time
}

// Leases holds which node holds each Telegram account, and which nodes are
// alive. Every time in it comes from the database's clock.
type Leases interface {
	// AcquireLease gives holder the account for ttl when nobody holds it,
	// its lease expired, or holder holds it already, with a new token.
	// Otherwise acquired is false and the lease returned is the current
	// holder's.
	AcquireLease(ctx context.Context, accountID int64, holder string, ttl time.Duration) (l Lease, acquired bool, err error)
	// RenewLease extends the holder's current lease to ttl from now;
	// ErrFenced when it expired or another acquisition happened since.
	RenewLease(ctx context.Context, f Fence, ttl time.Duration) (Lease, error)
	// RenewLeases renews every unexpired lease the holder has, in one
	// write (a node renews all its accounts at once), and returns them.
	RenewLeases(ctx context.Context, holder string, ttl time.Duration) ([]Lease, error)
	// ReleaseLease ends the lease now (the row and its token stay); a
	// lease no longer current is left alone.
	ReleaseLease(ctx context.Context, f Fence) error
	// WantLease records that by asked for the account while another node
	// holds it, so a holder whose uses may give way gives it up at its
	// next renewal (RenewLeases reports Wanted). The mark goes with the
	// next acquisition.
	WantLease(ctx context.Context, accountID int64, by string) error
	// LeaseOf is the account's lease row, ErrNotFound when never held.
	LeaseOf(ctx context.Context, accountID int64) (Lease, error)
	// CheckFence is nil while f is the account's current, unexpired lease,
	// ErrFenced otherwise.
	CheckFence(ctx context.Context, f Fence) error

	// NodeStarted records a node as alive from now, started now.
	NodeStarted(ctx context.Context, id string) error
	// NodeSeen records a node as alive now (its heartbeat).
	NodeSeen(ctx context.Context, id string) error
	// ListNodes lists the nodes seen within since of the database's now,
	// most recently started first.
	ListNodes(ctx context.Context, since time.Duration) ([]Node, error)
	// ReleaseLeasesOf ends every lease held by the node: at its start
	// they can only be a previous process's with the same id.
	ReleaseLeasesOf(ctx context.Context, holder string) (int64, error)
	// ReleaseLeasesExcept ends every lease not held by holder: a single
	// node (SQLite) at its start, whose predecessors are all gone.
	ReleaseLeasesExcept(ctx context.Context, holder string) (int64, error)
	// RescueJobs makes River jobs left running by dead nodes available
	// again now, and returns their ids. A node is dead when it is not
	// self and, with deadAfter > 0, was not seen within deadAfter (a node
	// never seen is dead); with deadAfter == 0, every node but self is
	// dead (a single node on SQLite). Jobs out of attempts are left to
	// River's own rescuer.
	RescueJobs(ctx context.Context, self string, deadAfter time.Duration) ([]int64, error)
	// RescueOwnJobs makes jobs left running under self's id available:
	// called before a node's River client starts, they are a previous
	// process's with the same --node-id.
	RescueOwnJobs(ctx context.Context, self string) ([]int64, error)
	// ForgetNodes deletes the rows of nodes unseen for longer than age.
	ForgetNodes(ctx context.Context, age time.Duration) (int64, error)
}
