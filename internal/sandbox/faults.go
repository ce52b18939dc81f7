package sandbox

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gotd/td/tgerr"

	"github.com/telegramate/telegramate/internal/sandbox/mtserver"
)

// faultState counts calls per account (or per auth key before login), since
// Telegram's flood limits are per account.
type faultState struct {
	Fault
	calls map[int64]int
}

type floodKey struct {
	actor  int64
	method string
}

// fires says whether call number n (1-based) trips the fault: the first
// call after After, then every Every-th call after that (never again when
// Every is 0).
func (f *faultState) fires(n int) bool {
	k := n - f.After - 1
	if k < 0 {
		return false
	}
	if k == 0 {
		return true
	}
	return f.Every > 0 && k%f.Every == 0
}

// checkFaults is called before every method: an account still inside a
// FLOOD_WAIT window gets the remaining seconds, like on Telegram.
func (s *Server) checkFaults(method string, actor int64, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	fk := floodKey{actor: actor, method: method}
	if until, ok := s.floods[fk]; ok {
		if now.Before(until) {
			secs := int(math.Ceil(until.Sub(now).Seconds()))
			typ := "FLOOD_WAIT_" + strconv.Itoa(secs)
			s.recordHit(actor, method, typ, now)
			return tgerr.New(420, typ)
		}
		delete(s.floods, fk)
	}
	for _, f := range s.faults {
		if f.Method != "*" && f.Method != method {
			continue
		}
		if f.Phone != "" && (actor <= 0 || s.people[actor].Phone != f.Phone) {
			continue
		}
		f.calls[actor]++
		if !f.fires(f.calls[actor]) {
			continue
		}
		s.log.Info("sandbox fault", "method", method, "fault", f.Error, "actor", actor)
		s.recordHit(actor, method, f.Error, now)
		switch {
		case strings.HasPrefix(f.Error, "FLOOD_WAIT_"):
			secs, _ := strconv.Atoi(strings.TrimPrefix(f.Error, "FLOOD_WAIT_"))
			s.floods[fk] = now.Add(time.Duration(secs) * time.Second)
			return tgerr.New(420, f.Error)
		case f.Error == "INTERNAL":
			return tgerr.New(500, "INTERNAL")
		case f.Error == "DROP_CONNECTION":
			return mtserver.ErrDropConnection
		case f.Error == "PEER_FLOOD":
			return tgerr.New(400, "PEER_FLOOD")
		default:
			code, typ, _ := strings.Cut(f.Error, ":")
			n, _ := strconv.Atoi(code)
			return tgerr.New(n, typ)
		}
	}
	return nil
}

// SetFault switches a fault on at run time, replacing one on the same
// method and account (Phone); its call count starts now.
func (s *Server) SetFault(f Fault) error {
	if err := f.validate("fault"); err != nil {
		return err
	}
	f.Phone = NormalizePhone(f.Phone)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byPhone[f.Phone]; f.Phone != "" && !ok {
		return fieldErr("fault.phone", "%q is not an account's phone", f.Phone)
	}
	fs := &faultState{Fault: f, calls: map[int64]int{}}
	for i, old := range s.faults {
		if old.Method == f.Method && old.Phone == f.Phone {
			s.faults[i] = fs
			return nil
		}
	}
	s.faults = append(s.faults, fs)
	return nil
}

// ClearFaults switches every fault off, the world's too, and ends running
// FLOOD_WAIT windows.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
	s.floods = map[floodKey]time.Time{}
}

// Faults lists the faults switched on.
func (s *Server) Faults() []Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Fault, 0, len(s.faults))
	for _, f := range s.faults {
		out = append(out, f.Fault)
	}
	return out
}

// DropConnections closes every client connection on every data center;
// clients reconnect with the keys they have.
func (s *Server) DropConnections() int {
	n := 0
	for _, d := range s.dcs {
		n += d.srv.DropConnections()
	}
	return n
}

// Counts is the number of calls per TL method name.
func (s *Server) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.counts))
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}

// Code is the last login code sent to phone.
func (s *Server) Code(phone string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	code, ok := s.lastCodes[NormalizePhone(phone)]
	return code, ok
}

// Messages lists delivered private messages, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.delivered...)
}

// FaultHit is one error the sandbox answered because of a fault or a limit:
// who got it, on which method, when (the clock's time, to the nanosecond).
// A FLOOD_WAIT window answers every call inside it, and each is a hit with
// the seconds left.
type FaultHit struct {
	Time   time.Time `json:"time"`
	UserID int64     `json:"user_id"` // 0 before login
	Phone  string    `json:"phone,omitempty"`
	Method string    `json:"method"`
	Error  string    `json:"error"`
}

// recordHit is called with s.mu held.
func (s *Server) recordHit(actor int64, method, typ string, now time.Time) {
	h := FaultHit{Time: now.UTC().Round(0), Method: method, Error: typ}
	if p, ok := s.people[actor]; ok && actor > 0 {
		h.UserID, h.Phone = p.ID, p.Phone
	}
	s.hits = append(s.hits, h)
}

// FaultHits lists the errors faults and limits answered (FLOOD_WAIT,
// PEER_FLOOD, injected errors), oldest first.
func (s *Server) FaultHits() []FaultHit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]FaultHit(nil), s.hits...)
}
