// Package server assembles the whole application behind one listener:
// store, secrets, domain services, background jobs and the web handler.
// `telegramate serve` runs it with a signal context; apptest.StartApp runs
// it in-process on a free port.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/config"
	"github.com/telegramate/telegramate/internal/extract"
	"github.com/telegramate/telegramate/internal/inbox"
	"github.com/telegramate/telegramate/internal/jobs"
	"github.com/telegramate/telegramate/internal/lease"
	"github.com/telegramate/telegramate/internal/logging"
	"github.com/telegramate/telegramate/internal/mail"
	"github.com/telegramate/telegramate/internal/masterkey"
	"github.com/telegramate/telegramate/internal/media"
	"github.com/telegramate/telegramate/internal/medialink"
	"github.com/telegramate/telegramate/internal/node"
	"github.com/telegramate/telegramate/internal/opsmetrics"
	"github.com/telegramate/telegramate/internal/outage"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storeopen"
	"github.com/telegramate/telegramate/internal/tokens"
	"github.com/telegramate/telegramate/internal/users"
	"github.com/telegramate/telegramate/internal/web"
	"github.com/telegramate/telegramate/internal/webhook"
	"github.com/telegramate/telegramate/internal/workspaces"
)

// After a stop signal, in-flight requests get streamGrace to finish on
// their own; then request contexts are cancelled, which ends long-lived
// streams (SSE progress), and ShutdownTimeout bounds the whole stop.
const (
	streamGrace     = 3 * time.Second
	ShutdownTimeout = 15 * time.Second
)

type Options struct {
	Config *config.Config
	Logger *slog.Logger
	// Listener, when set, is used instead of listening on Config.Listen
	// (tests pass one on 127.0.0.1:0).
	Listener net.Listener
	Version  string
	// Ready, when set, is called with the listening address once requests
	// are being served.
	Ready func(addr net.Addr)
	// HashParams overrides argon2id's cost (tests); zero means the default.
	HashParams users.HashParams
	// Routes, when set, adds routes to the web server (the demo's
	// login-codes page).
	Routes func(mux *http.ServeMux)
	// KeyCheckEvery is how often the master keys are checked against the
	// database's sealed secrets while serving (default KeyCheckEvery).
	KeyCheckEvery time.Duration
}

// KeyCheckEvery is how often a serving node re-checks that its master keys
// open the database's secrets; a mismatch turns /healthz to 503.
const KeyCheckEvery = 30 * time.Second

// Run serves until ctx is cancelled, then at once stops claiming sends
// and starting jobs, and lets the sends on their way, the running jobs
// and the in-flight requests finish (all within ShutdownTimeout, after
// the drain delay) before it closes the database.
func Run(ctx context.Context, o Options) (err error) {
	cfg, logger := o.Config, o.Logger
	if logger == nil {
		logger = config.Logger(cfg)
	}
	// One line when the database stops answering and one when it answers
	// again, not one per request, job and tick that failed meanwhile.
	dbOutage := outage.New(outage.Options{Logger: logger, IsOutage: store.IsUnavailable, IsOutageText: store.LooksUnavailable,
		Hint: outageHint(cfg)})
	base := logger
	logger = slog.New(outage.Handler(base.Handler(), dbOutage))

	st, err := storeopen.Open(ctx, storeopen.Options{DataDir: cfg.DataDir, DatabaseURL: cfg.DatabaseURL.Reveal(), Logger: logger})
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer func() {
		if cerr := st.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close database: %w", cerr)
		}
	}()
	dbOutage.SetProbe(st.Ping)
	defer dbOutage.Close()
	// Loading the keyring now fails fast on a bad key, or on keys that do
	// not open what the database holds, and creates the key file on a new
	// SQLite database only, before anyone connects an account.
	keys, err := masterkey.Open(ctx, st, cfg.KeyOptions(logger))
	if err != nil {
		return fmt.Errorf("secret key: %w", err)
	}
	// The node's name among several on one database: its account leases,
	// River's attempted_by, and what Telegram hears in initConnection.
	nodeID := cfg.NodeID
	if nodeID == "" {
		nodeID = node.NewID()
	}
	leases, err := lease.New(lease.Options{Store: st, NodeID: nodeID, TTL: cfg.LeaseTTL, Logger: logger})
	if err != nil {
		return err
	}
	// After the jobs stopped (deferred later, so run earlier): a use still
	// running then is cut off.
	defer leases.Close()
	accountSvc, err := newAccounts(st, keys, cfg, logger, o.Version, leases)
	if err != nil {
		return err
	}
	// After the jobs stopped, before the leases go: the account runtime's
	// connections end and their updates state is stored.
	defer accountSvc.Close()

	userSvc := users.New(st, users.Options{SignupOpen: cfg.Signup == config.SignupOpen, Hash: o.HashParams})
	if err := startupNotes(ctx, st, cfg, logger); err != nil {
		return err
	}

	// Jobs and River's UI run on a context of their own: they stop after
	// the last request, not at the signal.
	jobsCtx, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer stopJobs()
	jobsLog := logging.AtLeast(slog.New(outage.QueueHandler(base.Handler(), dbOutage)), slog.LevelWarn)
	// The services enqueue through a client that only inserts, so each is
	// whole when built; the client that works their jobs comes after them,
	// since it runs their workers.
	queue, err := jobs.New(jobsCtx, jobs.Options{Store: st, Logger: jobsLog, NodeID: nodeID, InsertOnly: true})
	if err != nil {
		return err
	}
	webhookSvc, err := newWebhooks(st, keys, queue, logger, cfg.WebhookAllowPrivate, cfg.WebhookDisableAfter, cfg.Retain.WebhookDeliveries)
	if err != nil {
		return err
	}
	accountSvc.OnHealthChange(accountsToWebhooks(webhookSvc, logger))
	extractSvc, err := extract.New(extract.Options{Store: st, Accounts: accountSvc, Queue: queue, Logger: logger, QuotaMembers: cfg.QuotaMembers})
	if err != nil {
		return err
	}
	ops := opsmetrics.New(st, nodeGauges{leases, accountSvc})
	mediaSvc, err := media.New(media.Options{Store: st, MaxFileSize: cfg.MediaMaxFileSize, Quota: cfg.MediaQuota, Logger: logger})
	if err != nil {
		return err
	}
	// Delivery outcomes are counted on their way to the webhooks.
	campaignSvc, err := campaign.New(campaign.Options{Store: st, Accounts: accountSvc, Queue: queue, Events: ops.Events(webhookSvc), Media: mediaSvc,
		Logger: logger, MaxSuppressions: cfg.MaxSuppressions,
		Quotas: campaign.Quotas{Drafts: cfg.QuotaDrafts, Deliveries: cfg.QuotaDeliveries, DraftRetention: cfg.DraftRetention}})
	if err != nil {
		return err
	}
	// The inbox owns every account's incoming messages: it tells the
	// campaigns of replies.
	inboxSvc, err := inbox.New(inbox.Options{Store: st, Accounts: accountSvc, Queue: queue, Replies: campaignSvc, Logger: logger,
		OptOutKeywords: cfg.OptOutList(), ReadOnTelegram: cfg.InboxReadOnTelegram, Lag: ops.InboxLag, Media: mediaSvc,
		MediaCacheSize: cfg.InboxMediaCache})
	if err != nil {
		return err
	}
	listenAddr := cfg.Listen
	if o.Listener != nil {
		listenAddr = o.Listener.Addr().String()
	}
	links := &mediaLinks{keys: keys, base: linkBase(cfg.BaseURL, listenAddr), ttl: medialink.DefaultTTL, now: time.Now}
	inboxSvc.OnMessageTx(inboxToWebhooks(webhookSvc, links))
	inboxSvc.OnAnswerTx(answersToWebhooks(webhookSvc, links))
	// Before any job runs: on a restored database, what was running waits
	// for a person.
	if err := campaignSvc.HandleRestore(ctx); err != nil {
		return err
	}
	periodic := slices.Concat(campaign.PeriodicJobs(campaign.TickEvery), inbox.PeriodicJobs(inbox.TickEvery),
		webhook.PeriodicJobs(webhook.PruneEvery))
	jc, err := jobs.New(jobsCtx, jobs.Options{Store: st, Logger: jobsLog, DatabaseURL: cfg.DatabaseURL.Reveal(),
		NodeID: nodeID, DeadAfter: cfg.NodeDeadAfter, HeartbeatEvery: heartbeatEvery(cfg.NodeDeadAfter),
		AbandonedAccountRetention: accounts.AbandonedAfter,
		Retention: jobs.Retention{FinishedCampaigns: cfg.Retain.FinishedCampaigns, MemberLists: cfg.Retain.MemberLists,
			Inbox: cfg.Retain.Inbox, Activity: cfg.Retain.Activity},
		Register: func(w *river.Workers) {
			extract.Register(w, extractSvc)
			campaign.Register(w, campaignSvc)
			inbox.Register(w, inboxSvc)
			webhook.Register(w, webhookSvc)
		},
		Queues:       inbox.Queues(webhook.Queues(campaign.Queues(jobs.DefaultQueues()))),
		PeriodicJobs: periodic})
	if err != nil {
		return err
	}
	// Before the jobs start: a connection their work opens listens too.
	accountSvc.Handle(inboxSvc.Received)
	if err := jc.Start(jobsCtx); err != nil {
		return fmt.Errorf("start jobs: %w", err)
	}
	// Every connected account listens from now on, whatever its jobs do:
	// after the jobs started, since their start gives up the leases a
	// previous process under this node's id left.
	accountSvc.Listen(jobsCtx, inboxSvc.Received)
	// The jobs stop at the stop signal, beside the requests (see below),
	// or here on any other way out.
	closeJobs := sync.OnceValue(func() error {
		stopCtx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
		defer cancel()
		return jc.Close(stopCtx)
	})
	defer func() {
		if cerr := closeJobs(); cerr != nil && err == nil {
			err = fmt.Errorf("stop jobs: %w", cerr)
		}
	}()
	var keyWatch masterkey.Watch
	keyCheckEvery := o.KeyCheckEvery
	if keyCheckEvery <= 0 {
		keyCheckEvery = KeyCheckEvery
	}
	go keyWatch.Run(jobsCtx, st, keys, keyCheckEvery, logger)
	jobsUI, err := jc.UIHandler(jobsCtx, "/admin/jobs", logger)
	if err != nil {
		return err
	}

	var (
		metricsHandler http.Handler
		draining       atomic.Bool
	)
	var mailer workspaces.Mailer
	if u := cfg.SMTPURL.Reveal(); u != "" {
		m, err := mail.Parse(u, cfg.SMTPFrom)
		if err != nil {
			return fmt.Errorf("--smtp-url: %w", err)
		}
		mailer = m
	}
	handler, err := web.New(web.Deps{
		Mailer:         mailer,
		Health:         web.Health{NodeID: nodeID, Draining: draining.Load, Problem: keyWatch.Problem},
		Store:          st,
		Users:          userSvc,
		Tokens:         tokens.New(st),
		AccountService: accountSvc,
		Extract:        extractSvc,
		Campaigns:      campaignSvc,
		Media:          mediaSvc,
		Inbox:          inboxSvc,
		Webhooks:       webhookSvc,
		JobsUI:         jobsUI,
		Collectors:     []prometheus.Collector{jc.Collector(), ops},
		Logger:         logger,
		BaseURL:        cfg.BaseURL,
		TrustedProxies: cfg.TrustedProxies,
		Version:        o.Version,
		Routes:         o.Routes,
		MetricsToken:   cfg.MetricsToken,
		ServeMetrics:   func(h http.Handler) { metricsHandler = h },
		MediaLinks:     keys,
	})
	if err != nil {
		return err
	}

	ln := o.Listener
	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.Listen); err != nil {
			return fmt.Errorf("listen: %w", err)
		}
	}
	baseCtx, stopRequests := context.WithCancel(context.WithoutCancel(ctx))
	defer stopRequests()
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return baseCtx },
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}

	if cfg.MetricsListen != "" {
		stop, err := serveMetrics(cfg.MetricsListen, metricsHandler, logger)
		if err != nil {
			return err
		}
		defer stop()
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	logger.Info("serving", slog.String("addr", ln.Addr().String()), slog.String("node", nodeID), slog.String("database", st.Dialect()),
		slog.String("signup", cfg.Signup))
	if o.Ready != nil {
		o.Ready(ln.Addr())
	}

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	// No send is claimed from now on and no job starts: what is on its way
	// finishes and is recorded, the rest waits in the outbox for the next
	// start or another node. Ctrl+C once sent four more messages in the
	// 15 s the jobs were given.
	stopped := time.Now()
	sends := campaignSvc.StopClaiming()
	jobsDone := make(chan error, 1)
	go func() { jobsDone <- closeJobs() }()
	logger.Info("shutting down: no new sends or jobs start; waiting for the sends on their way, the running jobs and open requests",
		slog.Int("sends_in_flight", sends), slog.Duration("at_most", cfg.DrainDelay+ShutdownTimeout))
	draining.Store(true)
	if cfg.DrainDelay > 0 {
		// Requests are still served; only /healthz says the node goes.
		logger.Info("draining: /healthz answers 503 before the node stops accepting requests", slog.Duration("for", cfg.DrainDelay))
		time.Sleep(cfg.DrainDelay)
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	grace := time.AfterFunc(streamGrace, stopRequests)
	defer grace.Stop()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	if err := <-jobsDone; err != nil {
		return fmt.Errorf("stop jobs: %w", err)
	}
	logger.Info("requests and jobs finished", slog.Duration("took", time.Since(stopped).Round(time.Millisecond)))
	return nil
}

// outageHint is what an operator does when the database stops answering.
func outageHint(cfg *config.Config) string {
	if cfg.DatabaseURL.Reveal() != "" {
		return "check that PostgreSQL is running and reachable at --database-url (its own log says why it stopped); this node retries by itself and says when it answers again"
	}
	return "SQLite's lock was held past its timeout: by another process (a CLI command, a copy with sqlite3's .backup: let it finish or stop it) or by more writes than the disk keeps up with; this node retries by itself and says when it answers again"
}

// heartbeatEvery is how often a node beats: a third of the time after
// which the others take it for dead, at most every 3 s.
func heartbeatEvery(deadAfter time.Duration) time.Duration {
	if deadAfter <= 0 {
		return 0 // the jobs package's default
	}
	return min(jobs.DefaultHeartbeatEvery, deadAfter/3)
}

// serveMetrics serves /metrics alone on addr, for a scraper on a private
// interface; stop closes it.
func serveMetrics(addr string, h http.Handler, logger *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	go func() { _ = srv.Serve(ln) }()
	logger.Info("serving metrics", slog.String("addr", ln.Addr().String()))
	return func() { _ = srv.Close() }, nil
}

// nodeGauges feeds the per-node metrics: the leases this node holds, and
// the accounts whose live connection the account runtime keeps here.
type nodeGauges struct {
	leases   *lease.Manager
	accounts *accounts.Service
}

func (n nodeGauges) LeasesHeld() int        { return n.leases.Held() }
func (n nodeGauges) ConnectedAccounts() int { return n.accounts.LiveCount() }
