package sandbox

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gotd/td/crypto"
	"github.com/gotd/td/tg"

	"github.com/telegramate/telegramate/internal/sandbox/mtserver"
)

// Options of Start.
type Options struct {
	// Listen is "127.0.0.1:0" for a free port per data center, or
	// "127.0.0.1:P" for data center i on port P+i-1.
	Listen string
	// Control is the address of the control HTTP server; "" for none.
	Control string
	// StateFile keeps auth keys and messages across restarts; "" keeps
	// them in memory only.
	StateFile string
	// Key is the data centers' RSA key; nil generates one (or loads it from
	// StateFile, so restarts keep the same public key).
	Key    *rsa.PrivateKey
	Logger *slog.Logger
	// Clock is the time the sandbox's rules see (code lifetime, FLOOD_WAIT
	// windows, PEER_FLOOD days, message dates); nil is time.Now. MTProto
	// message ids always use the real time, which gotd checks.
	Clock func() time.Time
	// Latency delays every RPC answer, as the network and Telegram's own
	// work do (tens to hundreds of milliseconds a call); 0 answers at once.
	// Calls on one connection are answered one after another.
	Latency time.Duration
	// FileReferenceTTL makes file references expire this long after they
	// were handed out; 0 keeps them valid (SetFileReferenceTTL).
	FileReferenceTTL time.Duration
}

// Server is a running sandbox: one MTProto listener per data center.
type Server struct {
	opts  Options
	world *World
	log   *slog.Logger
	now   func() time.Time
	key   *rsa.PrivateKey
	dcs   map[int]*dcServer
	disp  *tg.ServerDispatcher

	cancel  context.CancelFunc
	wg      sync.WaitGroup
	control *controlServer
	latency atomic.Int64 // time.Duration
	// answerDelay holds back answers after the work is done (SetAnswerDelay).
	answerDelay atomic.Int64
	// noRandomIDDedup turns off the permanent random_id de-duplication
	// (SetRandomIDDedup).
	noRandomIDDedup atomic.Bool
	// fileRefTTL is SetFileReferenceTTL's duration.
	fileRefTTL atomic.Int64
	refKeyOnce sync.Once
	refKey     []byte
	// blobs holds the bytes of stored photos and documents.
	blobs *blobStore

	mu         sync.Mutex
	people     map[int64]*person
	byPhone    map[string]*person
	byUsername map[string]peerRef
	chats      map[int64]*group
	chatOrder  []int64
	codes      map[string]*pendingCode
	lastCodes  map[string]string
	auths      map[keyRef]*authz
	boxes      map[int64]*box
	delivered  []Message
	sentRandom map[randKey]int
	strangers  map[int64]*strangerDay
	replied    map[[2]int64]bool
	counts     map[string]int
	faults     []*faultState
	floods     map[floodKey]time.Time
	exports    map[string]exportedAuth
	hits       []FaultHit
	pending    map[int64]*pendingReply
	// uploads are parts waiting to become a file, pendingBytes their
	// total; uploaded counts each account's uploaded bytes.
	uploads      map[uploadKey]*pendingUpload
	pendingBytes int64
	uploadSeq    int64
	uploaded     map[int64]int64
	// uploadedPacked is the part of uploaded that came gzip_packed.
	uploadedPacked map[int64]int64
	files          map[int64]*storedFile
	timers         map[int64]func() bool
	// afterFunc starts a timer; tests replace it to fire delayed replies
	// when they choose.
	afterFunc func(time.Duration, func()) func() bool
	dirty     bool
	closed    bool

	srpMu sync.Mutex
	srps  map[int64]*srpVerifier

	// connLog records every client connection (ConnectionLog).
	connLog connLog
}

type dcServer struct {
	id   int
	srv  *mtserver.Server
	ln   net.Listener
	addr string
}

type peerRef struct {
	user int64
	chat int64
}

type randKey struct {
	from     int64
	randomID int64
}

// codeLifetime is how long a login code is accepted.
const codeLifetime = 5 * time.Minute

// Start builds the world and serves it until Close.
func Start(ctx context.Context, w *World, opts Options) (*Server, error) {
	if w == nil {
		return nil, errors.New("sandbox: nil world")
	}
	w.applyDefaults()
	if err := w.Validate(); err != nil {
		return nil, fmt.Errorf("sandbox world: %w", err)
	}
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	s := &Server{
		opts:           opts,
		world:          w,
		log:            opts.Logger,
		now:            opts.Clock,
		dcs:            map[int]*dcServer{},
		codes:          map[string]*pendingCode{},
		lastCodes:      map[string]string{},
		auths:          map[keyRef]*authz{},
		boxes:          map[int64]*box{},
		sentRandom:     map[randKey]int{},
		strangers:      map[int64]*strangerDay{},
		replied:        map[[2]int64]bool{},
		counts:         map[string]int{},
		floods:         map[floodKey]time.Time{},
		pending:        map[int64]*pendingReply{},
		timers:         map[int64]func() bool{},
		uploads:        map[uploadKey]*pendingUpload{},
		uploaded:       map[int64]int64{},
		uploadedPacked: map[int64]int64{},
		files:          map[int64]*storedFile{},
		blobs:          newBlobStore(opts.StateFile),
		afterFunc: func(d time.Duration, f func()) func() bool {
			return time.AfterFunc(d, f).Stop
		},
	}
	s.latency.Store(int64(opts.Latency))
	s.SetFileReferenceTTL(opts.FileReferenceTTL)
	s.build()
	for _, f := range w.Faults {
		s.faults = append(s.faults, &faultState{Fault: f, calls: map[int64]int{}})
	}
	st, err := loadState(opts.StateFile)
	if err != nil {
		return nil, err
	}
	s.key = opts.Key
	if s.key == nil && st != nil && st.Key != "" {
		if s.key, err = parsePrivateKey(st.Key); err != nil {
			return nil, fmt.Errorf("sandbox state %s: %w", opts.StateFile, err)
		}
	}
	if s.key == nil {
		if s.key, err = rsa.GenerateKey(rand.Reader, crypto.RSAKeyBits); err != nil {
			return nil, fmt.Errorf("sandbox key: %w", err)
		}
	}
	s.disp = s.dispatcher()

	host, port, err := splitListen(opts.Listen)
	if err != nil {
		return nil, err
	}
	for _, dc := range w.DCs {
		addr := net.JoinHostPort(host, "0")
		if port != 0 {
			addr = net.JoinHostPort(host, strconv.Itoa(port+dc-1))
		}
		ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
		if err != nil {
			s.closeListeners()
			return nil, fmt.Errorf("sandbox DC %d: listen %s: %w", dc, addr, err)
		}
		srv := mtserver.New(mtserver.Options{
			DC:       dc,
			Key:      s.key,
			Handler:  mtserver.HandlerFunc(s.handle),
			Logger:   s.log,
			OnNewKey: func(crypto.AuthKey) { s.markDirty() },
			Observer: &s.connLog,
		})
		s.dcs[dc] = &dcServer{id: dc, srv: srv, ln: ln, addr: ln.Addr().String()}
	}
	if st != nil {
		s.restore(st)
	}

	runCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	for _, d := range s.dcs {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := d.srv.Serve(runCtx, d.ln); err != nil {
				s.log.Error("sandbox DC stopped", slog.Int("dc", d.id), slog.Any("err", err))
			}
		}()
	}
	if opts.StateFile != "" {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.saveLoop(runCtx)
		}()
	}
	if opts.Control != "" {
		c, err := s.startControl(opts.Control)
		if err != nil {
			_ = s.Close()
			return nil, err
		}
		s.control = c
	}
	s.log.Info("sandbox started", slog.Any("dcs", s.DCs()))
	return s, nil
}

func splitListen(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("sandbox listen %q: %w", addr, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("sandbox listen %q: bad port", addr)
	}
	return host, port, nil
}

func (s *Server) closeListeners() {
	for _, d := range s.dcs {
		_ = d.ln.Close()
	}
}

// build turns the world into run-time people and chats.
func (s *Server) build() {
	w := s.world
	s.people = map[int64]*person{}
	s.byPhone = map[string]*person{}
	s.byUsername = map[string]peerRef{}
	s.chats = map[int64]*group{}
	add := func(u User, generated bool) *person {
		p := &person{User: u, accessHash: accessHashFor('u', u.ID), contacts: map[int64]bool{}, generated: generated}
		for _, c := range u.Contacts {
			p.contacts[c] = true
		}
		if t, ok := strings.CutPrefix(u.Status, "offline:"); ok {
			p.statusOff, _ = strconv.ParseInt(t, 10, 64)
		}
		if u.ReplyAfter != "" {
			p.replyAfter, _ = time.ParseDuration(u.ReplyAfter)
		}
		s.people[u.ID] = p
		if u.Phone != "" {
			s.byPhone[u.Phone] = p
		}
		if u.Username != "" {
			s.byUsername[strings.ToLower(u.Username)] = peerRef{user: u.ID}
		}
		return p
	}
	for _, u := range w.Users {
		add(u, false)
	}
	for _, u := range w.GeneratedAccounts() {
		add(u, true)
	}
	for i, c := range w.Chats {
		g := &group{
			Chat:       c,
			accessHash: accessHashFor('c', c.ID),
			memberIdx:  map[int64]int{},
			admins:     map[int64]bool{},
			kicked:     map[int64]bool{},
			banned:     map[int64]bool{},
			created:    worldEpoch.Add(time.Duration(i) * time.Hour),
		}
		join := func(id int64) {
			if _, ok := g.memberIdx[id]; ok {
				return
			}
			g.memberIdx[id] = len(g.members)
			g.members = append(g.members, id)
			s.people[id].chats = append(s.people[id].chats, c.ID)
		}
		// The creator and the listed members joined first, generated ones
		// later, so "recent" lists generated members first.
		if c.Creator != 0 {
			join(c.Creator)
		}
		for _, m := range c.Members {
			join(m)
		}
		if c.GenerateMembers != nil {
			for _, u := range generateMembers(i, *c.GenerateMembers) {
				add(u, true)
				join(u.ID)
			}
		}
		for _, a := range c.Admins {
			g.admins[a] = true
		}
		for _, k := range c.Kicked {
			g.kicked[k] = true
		}
		for _, b := range c.Banned {
			g.banned[b] = true
		}
		if c.Username != "" {
			s.byUsername[strings.ToLower(c.Username)] = peerRef{chat: c.ID}
		}
		for i := len(g.members) - 1; i >= 0; i-- {
			id := g.members[i]
			g.recent = append(g.recent, id)
			if s.people[id].Bot {
				g.recentBots = append(g.recentBots, id)
			}
			if s.people[id].Bot || g.isAdmin(id) {
				g.recentHidden = append(g.recentHidden, id)
			}
		}
		s.chats[c.ID] = g
		s.chatOrder = append(s.chatOrder, c.ID)
	}
}

// DCs maps data center ids to their "127.0.0.1:port" addresses.
func (s *Server) DCs() map[int]string {
	out := map[int]string{}
	for id, d := range s.dcs {
		out[id] = d.addr
	}
	return out
}

// dcIDs lists data center ids in world order.
func (s *Server) dcIDs() []int {
	ids := slices.Clone(s.world.DCs)
	return ids
}

// PublicKeyPEM is the data centers' public key as PEM "RSA PUBLIC KEY"
// (PKCS#1), the form gotd's telegram.PublicKey parser and Telegram's own
// published keys use.
func (s *Server) PublicKeyPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&s.key.PublicKey)})
}

// ControlURL is the control server's base URL, "" without one.
func (s *Server) ControlURL() string {
	if s.control == nil {
		return ""
	}
	return s.control.url
}

// World is the world the sandbox serves.
func (s *Server) World() *World { return s.world }

// Close stops the data centers and the control server and saves the state.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	// Replies still waiting stay in pending, so the state file keeps them
	// for the next start.
	for id, stop := range s.timers {
		stop()
		delete(s.timers, id)
	}
	s.mu.Unlock()
	var errs []error
	if s.control != nil {
		errs = append(errs, s.control.close())
	}
	if s.cancel != nil {
		s.cancel()
	} else {
		s.closeListeners()
	}
	s.wg.Wait()
	errs = append(errs, s.saveState())
	return errors.Join(errs...)
}

func (s *Server) markDirty() {
	s.mu.Lock()
	s.dirty = true
	s.mu.Unlock()
}

// SetLatency changes Options.Latency at run time.
func (s *Server) SetLatency(d time.Duration) { s.latency.Store(int64(d)) }

// SetAnswerDelay holds back every answer by d after the request was
// carried out: a client killed in that window has had its message
// delivered without learning so, which is what a crash between Telegram's
// work and the product's record looks like.
func (s *Server) SetAnswerDelay(d time.Duration) { s.answerDelay.Store(int64(d)) }

// SetRandomIDDedup turns the sandbox's de-duplication of sends by random_id
// on (the default) or off. The sandbox remembers every random_id for good,
// but Telegram documents its own cache as recent only: with it off, a send
// repeated with its random_id is delivered again, so a test proves that the
// product itself sends nothing twice.
func (s *Server) SetRandomIDDedup(on bool) { s.noRandomIDDedup.Store(!on) }
