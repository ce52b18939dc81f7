package telegram

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// Telegram keeps a file on the data center of whoever uploaded it, and
// serves it only there, to a connection authorised for the account
// (auth.exportAuthorization on the account's DC, importAuthorization on
// the other): most photos people send an account come from another DC.
// The account's own client opens that connection (gotd's Client.DC), with
// the middlewares of its calls (FLOOD_WAIT, the account's kinds and
// waits, its gate), and closes it once it has been idle for a while.

// OtherDCs gives an API client of the account authorised on data center
// dc (the account's own client when dc is its home); release ends the
// use. What a call's context carries: Download reads it.
type OtherDCs func(ctx context.Context, dc int) (api *tg.Client, release func(), err error)

type otherDCsKey struct{}

// WithOtherDCs makes ctx's downloads reach other data centers with open.
func WithOtherDCs(ctx context.Context, open OtherDCs) context.Context {
	return context.WithValue(ctx, otherDCsKey{}, open)
}

// OtherDCsOf is what WithOtherDCs put in ctx (a live connection's context
// carries its client's; the account runtime hands it on to each call).
func OtherDCsOf(ctx context.Context) (OtherDCs, bool) {
	o, ok := ctx.Value(otherDCsKey{}).(OtherDCs)
	return o, ok && o != nil
}

// ErrFileDC is in the chain of a *FileDCError.
var ErrFileDC = errors.New("telegram: the data center that keeps the file could not be reached")

// FileDCError: no connection to the data center that keeps a file could
// be had (not configured, not reachable, the authorization not
// transferred).
type FileDCError struct {
	DC  int
	Err error
}

func (e *FileDCError) Error() string {
	return fmt.Sprintf("telegram: connect to DC %d, which keeps the file: %v", e.DC, e.Err)
}

func (e *FileDCError) Unwrap() []error { return []error{ErrFileDC, e.Err} }

// otherDCIdle is how long a connection to another DC is kept after its
// last use: a thumbnail and then the full photo, or a relayed download's
// parts, reuse it; a client keeps none for long.
const otherDCIdle = 20 * time.Second

// otherDCs are one client's connections to data centers other than its
// own. Safe for concurrent use.
type otherDCs struct {
	client *telegram.Client
	mws    []telegram.Middleware
	has    func(dc int) bool
	idle   time.Duration
	// connectTimeout bounds opening a connection (the authorization's
	// transfer included).
	connectTimeout time.Duration

	opening sync.Mutex // one connection opened at a time: rare, and never twice to one DC
	mu      sync.Mutex
	closed  bool
	conns   map[int]*dcConn
}

type dcConn struct {
	inv   telegram.CloseInvoker
	api   *tg.Client
	users int
	timer *time.Timer
	// lost: the DC no longer takes the authorization; closed at once
	// after its use, the next is opened (and authorised) again.
	lost   bool
	closed bool
}

// authLost keeps a 401 of another DC (its copy of the authorization
// dropped) from reading as the account's session revoked: the account's
// own DC decides that. The connection is opened again next time.
func (o *otherDCs) authLost(dc int, c *dcConn) telegram.Middleware {
	return telegram.MiddlewareFunc(func(next tg.Invoker) telegram.InvokeFunc {
		return func(ctx context.Context, input bin.Encoder, output bin.Decoder) error {
			err := next.Invoke(ctx, input, output)
			rpc, ok := tgerr.As(err)
			if !ok || rpc.Code != 401 {
				return err
			}
			o.mu.Lock()
			c.lost = true
			o.mu.Unlock()
			// Telegram's error as text only: classified, it would be the
			// account's.
			return &FileDCError{DC: dc, Err: fmt.Errorf("DC %d no longer takes the account's authorization (%s); it is transferred again on the next try", dc, rpc.Type)}
		}
	})
}

func newOtherDCs(client *telegram.Client, mws []telegram.Middleware, has func(int) bool, idle, connectTimeout time.Duration) *otherDCs {
	return &otherDCs{client: client, mws: mws, has: has, idle: idle, connectTimeout: connectTimeout, conns: map[int]*dcConn{}}
}

func (o *otherDCs) open(ctx context.Context, dc int) (*tg.Client, func(), error) {
	if dc == o.client.Config().ThisDC {
		return o.client.API(), func() {}, nil
	}
	if !o.has(dc) {
		return nil, nil, &FileDCError{DC: dc, Err: fmt.Errorf("DC %d is not among the configured data centers (--telegram-dc)", dc)}
	}
	o.opening.Lock()
	defer o.opening.Unlock()
	if c, err := o.reuse(dc); c != nil || err != nil {
		return o.use(dc, c, err)
	}
	// Bounded as connecting is: a DC that does not answer must not hold
	// the view (nor the next one, waiting to open) for ever.
	dctx, cancel := context.WithTimeout(ctx, o.connectTimeout)
	defer cancel()
	inv, err := o.client.DC(dctx, dc, 1)
	if err != nil {
		// auth.exportAuthorization went through the client's middlewares:
		// Telegram's verdict on the account (a FLOOD_WAIT, a revoked
		// session) is in the chain, classified, as any of its calls'.
		return nil, nil, &FileDCError{DC: dc, Err: err}
	}
	c := &dcConn{inv: inv, users: 1}
	mws := append(slices.Clone(o.mws), o.authLost(dc, c), classifyMiddleware(), nulMiddleware())
	c.api = tg.NewClient(chain(inv, mws))
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		_ = inv.Close()
		return nil, nil, &FileDCError{DC: dc, Err: errors.New("the account's connection ended")}
	}
	o.conns[dc] = c
	o.mu.Unlock()
	return o.use(dc, c, nil)
}

// reuse takes the kept connection to dc, if there is one.
func (o *otherDCs) reuse(dc int) (*dcConn, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return nil, &FileDCError{DC: dc, Err: errors.New("the account's connection ended")}
	}
	c := o.conns[dc]
	if c == nil || c.lost {
		return nil, nil
	}
	c.users++
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	return c, nil
}

func (o *otherDCs) use(dc int, c *dcConn, err error) (*tg.Client, func(), error) {
	if err != nil {
		return nil, nil, err
	}
	var once sync.Once
	return c.api, func() { once.Do(func() { o.release(dc, c) }) }, nil
}

func (o *otherDCs) release(dc int, c *dcConn) {
	o.mu.Lock()
	c.users--
	if c.users > 0 {
		o.mu.Unlock()
		return
	}
	if o.idle > 0 && !o.closed && !c.lost {
		c.timer = time.AfterFunc(o.idle, func() { o.drop(dc, c) })
		o.mu.Unlock()
		return
	}
	o.mu.Unlock()
	o.drop(dc, c)
}

// drop closes c if nobody uses it.
func (o *otherDCs) drop(dc int, c *dcConn) {
	o.mu.Lock()
	if c.users > 0 || c.closed {
		o.mu.Unlock()
		return
	}
	c.closed = true
	if o.conns[dc] == c {
		delete(o.conns, dc)
	}
	o.mu.Unlock()
	_ = c.inv.Close()
}

// close ends every connection kept: the client is done (one in use, or
// one replaced after its authorization was lost, is closed by its last
// release, or with the client).
func (o *otherDCs) close() {
	o.mu.Lock()
	o.closed = true
	var idle []*dcConn
	for dc, c := range o.conns {
		if c.users == 0 && !c.closed {
			c.closed = true
			if c.timer != nil {
				c.timer.Stop()
			}
			idle = append(idle, c)
		}
		delete(o.conns, dc)
	}
	o.mu.Unlock()
	for _, c := range idle {
		_ = c.inv.Close()
	}
}

// chain puts mws before inv, the first outermost, as gotd does with the
// client's own.
func chain(inv tg.Invoker, mws []telegram.Middleware) tg.Invoker {
	for i := len(mws) - 1; i >= 0; i-- {
		inv = mws[i].Handle(inv)
	}
	return inv
}
