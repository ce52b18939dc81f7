package store

import (
	"context"
	"time"
)

// AccountCallsChannel is the PostgreSQL channel a node LISTENs on for the
// calls written for it (AddAccountCall notifies it at commit; the payload
// is "<call id> <node id>"), and for another node asking for one of its
// accounts (WantLease; the payload is "want <node id>").
const AccountCallsChannel = "telegramate_account_calls"

// AccountCall is a Telegram call written by a node that does not hold the
// account, for the node that does to make on the account's connection.
type AccountCall struct {
	ID        int64
	UserID    int64
	AccountID int64
	// Body is the call as sent to Telegram (TL-encoded).
	Body []byte
	// FloodWaitMax is the longest FLOOD_WAIT the caller waits out.
	FloodWaitMax time.Duration
}

// AccountCallResult is a call's state and, once done, its answer:
// Result, or Telegram's error (ErrorCode > 0, ErrorText its type), or the
// holder's own (ErrorCode 0, ErrorText set).
type AccountCallResult struct {
	State     string // queued, taken, done, cancelled
	Result    []byte
	ErrorCode int
	ErrorText string
}

// AccountCalls are the calls relayed to the node holding an account.
type AccountCalls interface {
	// AddAccountCall queues a call for node and returns its id.
	AddAccountCall(ctx context.Context, c AccountCall, node string, now time.Time) (int64, error)
	// TakeAccountCall claims a queued call of node's; false when it was
	// taken or cancelled already.
	TakeAccountCall(ctx context.Context, id int64, node string) (AccountCall, bool, error)
	// FinishAccountCall records a taken call's answer.
	FinishAccountCall(ctx context.Context, id int64, r AccountCallResult, now time.Time) error
	// CancelAccountCall withdraws a call nobody took; false when it was
	// taken already (its answer is coming).
	CancelAccountCall(ctx context.Context, id int64, now time.Time) (bool, error)
	// AccountCallResultOf reads a call's state and answer.
	AccountCallResultOf(ctx context.Context, id int64) (AccountCallResult, error)
	// QueuedAccountCalls lists the ids of node's calls nobody took yet.
	QueuedAccountCalls(ctx context.Context, node string) ([]int64, error)
	// ForgetAccountCalls deletes the calls written before before.
	ForgetAccountCalls(ctx context.Context, before time.Time) (int64, error)
}
