// Package jobs runs background work with River, on the store's own
// database: riversqlite on SQLite, riverdatabasesql on PostgreSQL (with a
// pgx listener for LISTEN/NOTIFY when given the database URL, polling
// otherwise). Jobs are enqueued in the transaction of the rows they act
// on: client.InsertTx(ctx, tx.SQL(), args, nil) inside store.InTx.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/telegramate/telegramate/internal/node"
)

// Options configure the client.
type Options struct {
	Store  Store
	Logger *slog.Logger
	// DatabaseURL, on PostgreSQL, lets River hear of new jobs at once
	// through LISTEN/NOTIFY instead of polling every FetchPollInterval.
	DatabaseURL string
	// Register adds the workers of the domain packages.
	Register func(*river.Workers)
	// PeriodicJobs are added to the built-in pruning job.
	PeriodicJobs []*river.PeriodicJob
	// Queues defaults to the default queue with 10 workers.
	Queues map[string]river.QueueConfig
	// PruneInterval is how often expired rows are deleted (default 10
	// minutes; the first run is at start).
	PruneInterval time.Duration
	// LoginFailureRetention is how long failed log-ins are kept (default 24
	// hours); it must exceed the log-in throttle's window.
	LoginFailureRetention time.Duration
	// AbandonedAccountRetention is how long a pending Telegram account
	// whose login is gone stays listed, as "Login expired", before the
	// prune deletes it (default 24 hours; the accounts package's list view
	// uses the same figure).
	AbandonedAccountRetention time.Duration
	// Retention is how long users' rows are kept (zero: kept); the
	// retention job runs every RetentionEvery.
	Retention Retention
	// FetchPollInterval is how often idle workers look for jobs (default:
	// 5 s when they hear of new jobs at once, else River's 1 s).
	FetchPollInterval time.Duration
	// RescueStuckJobsAfter is how long a job may run before River takes it
	// for a crashed node's and runs it again (default 15 minutes, River's
	// is an hour); a worker with a longer Timeout is left that long.
	RescueStuckJobsAfter time.Duration
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
	// InsertOnly builds a client that enqueues but never works (for
	// commands such as `telegramate user create`).
	InsertOnly bool
	// NodeID is River's client id, so a job's attempted_by names the node
	// that ran it (default node.ProcessID()).
	NodeID string
	// HeartbeatEvery is how often the node records itself alive and
	// rescues dead nodes' jobs (default DefaultHeartbeatEvery); DeadAfter
	// is how long unseen makes a node dead (default DefaultDeadAfter; on
	// SQLite, a single node, every other node is dead).
	HeartbeatEvery time.Duration
	DeadAfter      time.Duration
}

// Client is River's client on the store's database, *sql.Tx transactions
// on both engines.
type Client struct {
	*river.Client[*sql.Tx]
	store        Store
	listenerPool *pgxpool.Pool
	log          *slog.Logger

	nodeID         string
	insertOnly     bool
	heartbeatEvery time.Duration
	deadAfter      time.Duration
	stopNode       context.CancelFunc
	nodeDone       chan struct{}
}

// New builds the client; Start runs it.
func New(ctx context.Context, o Options) (*Client, error) {
	if o.Store == nil {
		return nil, errors.New("jobs: no store")
	}
	o = withDefaults(o)
	if err := node.ValidID(o.NodeID); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	c := &Client{store: o.Store, log: o.Logger, nodeID: o.NodeID, insertOnly: o.InsertOnly,
		heartbeatEvery: o.HeartbeatEvery, deadAfter: o.DeadAfter}
	driver, err := c.driver(ctx, o)
	if err != nil {
		return nil, err
	}
	if o.FetchPollInterval == 0 && driver.SupportsListener() {
		// New jobs are heard of at once (LISTEN on PostgreSQL, the woken
		// listener on SQLite): polling is only the fallback, and each
		// queue's poll is a write an idle node need not make every second.
		o.FetchPollInterval = listeningFetchPoll
	}
	cfg := &river.Config{ID: o.NodeID, Logger: o.Logger, FetchPollInterval: o.FetchPollInterval, RescueStuckJobsAfter: o.RescueStuckJobsAfter}
	if !o.InsertOnly {
		workers := river.NewWorkers()
		river.AddWorker(workers, &pruneWorker{store: o.Store, logger: o.Logger, now: o.Now,
			loginFailureRetention: o.LoginFailureRetention, abandonedAccountRetention: o.AbandonedAccountRetention})
		river.AddWorker(workers, &retentionWorker{store: o.Store, logger: o.Logger, now: o.Now, r: o.Retention})
		if o.Register != nil {
			o.Register(workers)
		}
		cfg.Workers = workers
		cfg.Queues = o.Queues
		cfg.PeriodicJobs = append([]*river.PeriodicJob{prunePeriodically(o.PruneInterval),
			Tick("retention", RetentionEvery, RetentionArgs{})}, o.PeriodicJobs...)
	}
	rc, err := river.NewClient(driver, cfg)
	if err != nil {
		c.closeListener()
		return nil, fmt.Errorf("jobs: %w", err)
	}
	c.Client = rc
	return c, nil
}

// listeningFetchPoll is the fallback poll for new jobs of a client that
// hears of them.
const listeningFetchPoll = 5 * time.Second

// DefaultQueues is River's default queue with 10 workers; domain packages
// add queues of their own to it.
func DefaultQueues() map[string]river.QueueConfig {
	return map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}}
}

func withDefaults(o Options) Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Queues == nil {
		o.Queues = DefaultQueues()
	}
	if o.PruneInterval <= 0 {
		o.PruneInterval = 10 * time.Minute
	}
	if o.LoginFailureRetention <= 0 {
		o.LoginFailureRetention = 24 * time.Hour
	}
	if o.AbandonedAccountRetention <= 0 {
		o.AbandonedAccountRetention = 24 * time.Hour
	}
	if o.RescueStuckJobsAfter <= 0 {
		o.RescueStuckJobsAfter = 15 * time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.NodeID == "" {
		o.NodeID = node.ProcessID()
	}
	if o.HeartbeatEvery <= 0 {
		o.HeartbeatEvery = DefaultHeartbeatEvery
	}
	if o.DeadAfter <= 0 {
		o.DeadAfter = DefaultDeadAfter
	}
	return o
}

func (c *Client) driver(ctx context.Context, o Options) (riverdriver.Driver[*sql.Tx], error) {
	db := o.Store.DB()
	switch o.Store.Dialect() {
	case "sqlite":
		d := riversqlite.New(db)
		if w, ok := o.Store.(interface{ WriteSignal() func() <-chan struct{} }); ok && w.WriteSignal() != nil {
			return newWokenDriver(d, w.WriteSignal()), nil
		}
		return d, nil
	case "postgres":
		if o.DatabaseURL == "" || o.InsertOnly {
			return riverdatabasesql.New(db), nil
		}
		// The listener holds one connection of its own for LISTEN.
		cfg, err := pgxpool.ParseConfig(o.DatabaseURL)
		if err != nil {
			return nil, fmt.Errorf("jobs: database URL: %w", err)
		}
		cfg.MaxConns = 2
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			return nil, fmt.Errorf("jobs: listener pool: %w", err)
		}
		c.listenerPool = pool
		return riverdatabasesql.NewWithPgxListener(db, pool), nil
	}
	return nil, fmt.Errorf("jobs: unknown store dialect %q", o.Store.Dialect())
}

// Close stops working (letting running jobs finish until ctx ends) and
// releases the listener.
func (c *Client) Close(ctx context.Context) error {
	defer c.closeListener()
	// The heartbeat goes on while the running jobs finish: they are
	// this node's until River has stopped.
	defer c.stopNodeLoop()
	if c.Client == nil {
		return nil
	}
	err := c.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		err = c.StopAndCancel(context.WithoutCancel(ctx))
	}
	return err
}

func (c *Client) closeListener() {
	if c.listenerPool != nil {
		c.listenerPool.Close()
		c.listenerPool = nil
	}
}
