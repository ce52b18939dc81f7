package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/gotd/td/exchange"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/tg"

	"github.com/telegramate/telegramate/internal/secrets"
)

// Credentials are an app's api_id and api_hash from my.telegram.org.
type Credentials struct {
	APIID   int
	APIHash secrets.Secret
}

// Gateway builds short-lived MTProto clients. It holds no connections and
// is safe for concurrent use.
type Gateway struct {
	net            network
	log            *slog.Logger
	device         telegram.DeviceConfig
	dialTimeout    time.Duration
	connectTimeout time.Duration
	stepTimeout    time.Duration
	otherDCIdle    time.Duration
}

// New checks cfg (DC addresses, public keys) and returns a Gateway.
func New(cfg Config) (*Gateway, error) {
	n, err := cfg.network()
	if err != nil {
		return nil, err
	}
	g := &Gateway{
		net:            n,
		log:            cfg.Logger,
		dialTimeout:    cfg.DialTimeout,
		connectTimeout: cfg.ConnectTimeout,
		stepTimeout:    cfg.StepTimeout,
		otherDCIdle:    cfg.OtherDCIdle,
	}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	if g.dialTimeout <= 0 {
		g.dialTimeout = 10 * time.Second
	}
	if g.connectTimeout <= 0 {
		g.connectTimeout = 30 * time.Second
	}
	if g.stepTimeout <= 0 {
		g.stepTimeout = 60 * time.Second
	}
	if g.otherDCIdle <= 0 {
		g.otherDCIdle = otherDCIdle
	}
	version := cfg.AppVersion
	if version == "" {
		version = "dev"
	}
	// We say who we are: the product's own name and the real platform, as
	// the design asks (no fingerprint masking).
	g.device = telegram.DeviceConfig{
		DeviceModel:    "Telegramate",
		SystemVersion:  "Linux",
		AppVersion:     version,
		SystemLangCode: "en",
		LangCode:       "en",
	}
	if cfg.NodeID != "" {
		g.device.Params = &tg.JSONObject{Value: []tg.JSONObjectValue{
			{Key: NodeParam, Value: &tg.JSONString{Value: cfg.NodeID}},
		}}
	}
	return g, nil
}

// NodeParam is the key of the node's id in initConnection's params.
const NodeParam = "telegramate_node"

// RunOption changes how Run treats the calls fn makes.
type RunOption func(*runOptions)

type runOptions struct {
	floodWaitMax time.Duration
	// updates, when set, receives the updates Telegram pushes on the
	// connection (Live's updates manager).
	updates telegram.UpdateHandler
	// waitLeft, when set, refuses the calls of a kind that still waits
	// (RefuseWaiting).
	waitLeft func(CallKind) time.Duration
	// mws sit between the FLOOD_WAIT waits and the error classification:
	// a call waiting out a FLOOD_WAIT holds none of them (Live's gate).
	mws []telegram.Middleware
}

// HonourFloodWait makes every call inside Run wait out a FLOOD_WAIT of at
// most max — exactly the time Telegram asked for, honouring ctx — and then
// repeat the call. Longer waits are returned as *FloodWaitError. Without this
// option every FLOOD_WAIT is returned at once.
func HonourFloodWait(max time.Duration) RunOption {
	return func(o *runOptions) { o.floodWaitMax = max }
}

// Run connects with session, calls fn with the raw API and returns the
// updated session. Errors of the calls fn makes are already classified
// (errors.Is(err, ErrSessionRevoked), *FloodWaitError, ...); fn's own errors
// come back as fn returned them. The session is returned even when fn fails,
// so the caller can keep what the connection learned (new key, new DC).
func (g *Gateway) Run(ctx context.Context, creds Credentials, session Session, fn func(ctx context.Context, api *tg.Client) error, opts ...RunOption) (Session, error) {
	var o runOptions
	for _, opt := range opts {
		opt(&o)
	}
	return g.run(ctx, creds, session, o, fn)
}

// step is Run for one bounded login or account step.
func (g *Gateway) step(ctx context.Context, creds Credentials, session Session, fn func(ctx context.Context, api *tg.Client) error) (Session, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, g.stepTimeout)
		defer cancel()
	}
	return g.run(ctx, creds, session, runOptions{}, fn)
}

func (g *Gateway) run(ctx context.Context, creds Credentials, session Session, o runOptions, fn func(ctx context.Context, api *tg.Client) error) (Session, error) {
	if creds.APIID <= 0 || creds.APIHash == "" {
		return session, fmt.Errorf("telegram: api_id and api_hash are required: %w", ErrAPIIDInvalid)
	}
	data, ok := checkSession(session)
	if !ok {
		return session, ErrSessionInvalid
	}
	if data != nil && data.DC != 0 && !g.net.has(data.DC) {
		// gotd would retry "no addresses for DC" until ConnectTimeout.
		return session, fmt.Errorf("telegram: the session is on DC %d, which the configured data centers (--telegram-dc) do not include: %w", data.DC, ErrUnavailable)
	}
	storage := newMemStorage(session)
	var mws []telegram.Middleware
	if o.floodWaitMax > 0 {
		mws = append(mws, floodWaitMiddleware(o.floodWaitMax, realSleep))
	}
	mws = append(mws, o.mws...)
	// Another DC's calls pass the same waits and gate, and an error of
	// their own before the classification (otherdc.go).
	outer := slices.Clone(mws)
	mws = append(mws, classifyMiddleware(), nulMiddleware())
	client := telegram.NewClient(creds.APIID, creds.APIHash.Reveal(), telegram.Options{
		PublicKeys:          g.net.publicKeys,
		DC:                  g.net.dc,
		DCList:              g.net.list,
		SessionStorage:      storage,
		NoUpdates:           o.updates == nil,
		UpdateHandler:       nulUpdates(o.updates),
		Logger:              gotdLogger(g.log),
		Device:              g.device,
		DialTimeout:         g.dialTimeout,
		ReconnectionBackoff: giveUpAfter(g.connectTimeout),
		Middlewares:         mws,
		// Nothing goes gzip_packed. gotd packs every message past 1 KB,
		// so each 512 KB file part was copied, checksummed and run
		// through deflate to save nothing (photos, video and archives
		// are compressed already), on the CPU that also encrypts it:
		// the parts of five accounts uploading at once kept two cores
		// busy. Telegram's own clients send file parts as they are; a
		// message's text is at most 4,096 characters.
		CompressThreshold: -1,
	})

	others := newOtherDCs(client, outer, g.net.has, g.otherDCIdle, g.connectTimeout)
	var (
		ran   bool
		fnErr error
	)
	runErr := client.Run(ctx, func(ctx context.Context) error {
		defer others.close()
		ran = true
		fnErr = fn(WithOtherDCs(ctx, others.open), client.API())
		return fnErr
	})
	out := storage.Bytes()
	if out == nil {
		out = clone(session)
	}
	switch {
	case fnErr != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) &&
		(errors.Is(fnErr, context.DeadlineExceeded) || errors.Is(fnErr, context.Canceled)):
		// Telegram did not answer within the step's time. Said as such: a
		// bare deadline is a net.Error, which reads as the database's
		// ("The database is busy" for a slow login). The call may fail on
		// the client's own context, cancelled as it closes for the
		// deadline ("engine forcibly closed: context canceled"), before
		// the deadline itself reaches it: the step's deadline is the cause
		// either way.
		return out, fmt.Errorf("telegram: no answer in time: %w (%w: %v)", ErrUnavailable, ctx.Err(), fnErr)
	case fnErr != nil:
		return out, fnErr
	case ran:
		// fn's work is done; a hiccup while closing changes nothing for
		// the caller.
		if runErr != nil {
			g.log.Debug("telegram client closed with error", slog.Any("err", runErr))
		}
		return out, nil
	// fn never ran: no connection came up. gotd's Run returns nil when its
	// context ends first, which is no success.
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return out, fmt.Errorf("telegram: no connection in time: %w (%w)", ErrUnavailable, ctx.Err())
	case ctx.Err() != nil:
		return out, fmt.Errorf("telegram: %w", ctx.Err())
	case runErr == nil:
		return out, fmt.Errorf("telegram: the client stopped before it connected: %w", ErrUnavailable)
	default:
		return out, connectError(runErr)
	}
}

// connectError explains why no connection came up.
func connectError(err error) error {
	if errors.Is(err, exchange.ErrKeyFingerprintNotFound) {
		return fmt.Errorf("telegram: the server's RSA key is not among the configured public keys (check --telegram-public-key): %w", ErrUnavailable)
	}
	if c := classify("connect", err); errors.Is(c, ErrSessionRevoked) {
		return c
	}
	return fmt.Errorf("telegram: %w: %w", ErrUnavailable, err)
}
