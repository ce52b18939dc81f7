// Package mtserver serves MTProto over TCP for the sandbox.
//
// It is gotd's tgtest server loop (key exchange through gotd's exchange
// package, encryption through gotd's crypto package, transports through
// gotd's transport package) reshaped for a long-lived data center. tgtest.Server
// keeps its auth keys in a private map, so a restarted sandbox could not keep
// sessions and a session could not be revoked; it looks keys up under the
// wrong mutex, which the race detector reports as soon as two clients connect;
// it routes replies by session id to the first connection that used it; and it
// closes the connection on any method it has no handler for. This package fixes
// those four things, reads each connection's transport header on the
// connection's own goroutine (gotd's listener reads it in Accept), and offers
// a pq that is quick to factor (pq.go).
package mtserver

import (
	"context"
	"crypto/rsa"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/exchange"
	"github.com/gotd/td/mtproto"
	"github.com/gotd/td/proto"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/transport"
)

// ConnObserver hears of every client connection, so a sandbox can keep a
// record of who was connected when (which node held an account). Its
// methods are called from the connections' goroutines and must not block.
type ConnObserver interface {
	ConnOpened(dc int, id int64)
	// ConnInit is a client's initConnection on the connection, with its
	// params (nil when it sent none).
	ConnInit(id int64, params tg.JSONValueClass)
	ConnClosed(id int64)
}

// connSeq numbers connections across data centers.
var connSeq atomic.Int64

// ErrDropConnection, returned by a Handler, closes the connection without an
// answer, the way a data center that restarts mid-request looks to a client.
var ErrDropConnection = errors.New("drop connection")

// Request is one RPC call with its invokeWith* wrappers removed.
type Request struct {
	DC        int
	AuthKeyID int64
	SessionID int64
	MsgID     int64
	TypeID    uint32
	Body      *bin.Buffer
	// ConnID is the connection the call came on (see ConnObserver).
	ConnID int64
	// Packed: the call came gzip_packed, as a client may send any message
	// (gotd packs each one past 1 KB unless told not to).
	Packed bool
	// Init is the last initConnection the client sent with this auth key
	// (zero before the first one); Telegram ties device info and api_id to it.
	Init InitInfo
	// After, when a Handler sets it, runs once the answer has been written:
	// what a call causes later (a reply from the other side) must reach the
	// client after the answer, as it does from Telegram.
	After func()
}

// InitInfo is the part of initConnection a data center remembers per key.
type InitInfo struct {
	APIID          int
	DeviceModel    string
	SystemVersion  string
	AppVersion     string
	SystemLangCode string
	LangCode       string
}

// Handler answers RPC calls. A *tgerr.Error result is sent as rpc_error; any
// other error is logged and sent as 500 INTERNAL, except ErrDropConnection.
type Handler interface {
	Handle(ctx context.Context, req *Request) (bin.Encoder, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, req *Request) (bin.Encoder, error)

// Handle implements Handler.
func (f HandlerFunc) Handle(ctx context.Context, req *Request) (bin.Encoder, error) {
	return f(ctx, req)
}

// Options of a Server.
type Options struct {
	DC      int
	Key     *rsa.PrivateKey
	Handler Handler
	Logger  *slog.Logger
	// OnNewKey is called after a key exchange creates a key, so the owner can
	// persist it.
	OnNewKey func(key crypto.AuthKey)
	// Observer, when set, hears of each client connection's opening,
	// initConnection and closing.
	Observer ConnObserver
	// IdleTimeout closes a connection that sent nothing for this long.
	// Default 5 minutes, longer than gotd's ping interval.
	IdleTimeout time.Duration
}

// Server is one data center.
type Server struct {
	dc      int
	key     exchange.PrivateKey
	handler Handler
	log     *slog.Logger
	onKey   func(crypto.AuthKey)
	idle    time.Duration
	obs     ConnObserver
	cipher  crypto.Cipher
	msgID   mtproto.MessageIDSource

	mu       sync.Mutex
	keys     map[[8]byte]crypto.AuthKey
	inits    map[[8]byte]InitInfo
	sessions map[int64]*session // by session id
	latest   map[[8]byte]*session
	conns    map[*conn]struct{}
}

type session struct {
	id      int64
	key     crypto.AuthKey
	conn    *conn
	created bool
}

// New makes a Server; call Serve to run it.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.IdleTimeout == 0 {
		opts.IdleTimeout = 5 * time.Minute
	}
	return &Server{
		dc:       opts.DC,
		key:      exchange.PrivateKey{RSA: opts.Key},
		handler:  opts.Handler,
		log:      opts.Logger.With(slog.Int("dc", opts.DC)),
		onKey:    opts.OnNewKey,
		idle:     opts.IdleTimeout,
		obs:      opts.Observer,
		cipher:   crypto.NewServerCipher(crypto.DefaultRand()),
		msgID:    proto.NewMessageIDGen(time.Now),
		keys:     map[[8]byte]crypto.AuthKey{},
		inits:    map[[8]byte]InitInfo{},
		sessions: map[int64]*session{},
		latest:   map[[8]byte]*session{},
		conns:    map[*conn]struct{}{},
	}
}

// AddKey registers an auth key made earlier (restored from a state file).
func (s *Server) AddKey(k crypto.AuthKey) {
	s.mu.Lock()
	s.keys[k.ID] = k
	s.mu.Unlock()
}

// Keys lists every auth key this data center knows.
func (s *Server) Keys() []crypto.AuthKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]crypto.AuthKey, 0, len(s.keys))
	for _, k := range s.keys {
		out = append(out, k)
	}
	return out
}

func (s *Server) lookupKey(id [8]byte) (crypto.AuthKey, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[id]
	return k, ok
}

// Serve accepts connections until ctx is cancelled or l fails.
//
// The transport header is read on each connection's own goroutine, with a
// deadline: gotd's transport.Listener reads it inside Accept, so one client
// that connected and sent nothing held every later client of this data
// center at the door (a login's first call waited until the test gave up).
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	stop := context.AfterFunc(ctx, func() { _ = l.Close() })
	defer stop()
	for {
		raw, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				s.closeAll()
				return nil
			}
			s.log.Debug("accept", slog.Any("err", err))
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := s.handshake(ctx, raw)
			if err != nil {
				// A client that hung up, or stayed silent, before its
				// transport header.
				s.log.Debug("transport header", slog.Any("err", err))
				return
			}
			cn := &conn{Conn: c, id: connSeq.Add(1)}
			s.mu.Lock()
			s.conns[cn] = struct{}{}
			s.mu.Unlock()
			if s.obs != nil {
				s.obs.ConnOpened(s.dc, cn.id)
			}
			s.serveConn(ctx, cn)
		}()
	}
}

// headerTimeout bounds the wait for a new connection's transport header;
// gotd sends it with its first bytes.
const headerTimeout = 10 * time.Second

// handshake reads raw's transport header (the codec is the client's
// choice) through gotd's listener, given just this one connection.
func (s *Server) handshake(ctx context.Context, raw net.Conn) (transport.Conn, error) {
	stop := context.AfterFunc(ctx, func() { _ = raw.Close() })
	defer stop()
	if err := raw.SetReadDeadline(time.Now().Add(headerTimeout)); err != nil {
		_ = raw.Close()
		return nil, err
	}
	c, err := transport.Listen(&oneConn{c: raw}).Accept()
	if err != nil {
		return nil, err // Accept closed raw
	}
	if err := raw.SetReadDeadline(time.Time{}); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}

// oneConn is a net.Listener whose only connection is c.
type oneConn struct {
	c    net.Conn
	done bool
}

func (o *oneConn) Accept() (net.Conn, error) {
	if o.done {
		return nil, net.ErrClosed
	}
	o.done = true
	return o.c, nil
}

func (o *oneConn) Close() error   { return nil }
func (o *oneConn) Addr() net.Addr { return o.c.LocalAddr() }

func (s *Server) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		_ = c.Close()
	}
}

// DropConnections closes every open connection; clients reconnect with the
// keys they have, as after a data center restart.
func (s *Server) DropConnections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		_ = c.Close()
	}
	return len(s.conns)
}

// Connections is the number of open client connections.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}
