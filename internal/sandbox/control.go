package sandbox

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"time"
)

// controlServer is the sandbox's HTTP side door for tests, demos and
// benchmarks: what it recorded, and switches for faults and sessions.
type controlServer struct {
	url string
	srv *http.Server
	ln  net.Listener
}

func (s *Server) startControl(addr string) (*controlServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sandbox control: listen %s: %w", addr, err)
	}
	c := &controlServer{
		url: "http://" + ln.Addr().String(),
		srv: &http.Server{Handler: s.controlMux(), ReadHeaderTimeout: 10 * time.Second},
		ln:  ln,
	}
	go func() {
		if err := c.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("sandbox control stopped", "err", err)
		}
	}()
	return c, nil
}

func (c *controlServer) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return c.srv.Shutdown(ctx)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

// controlMessage is a delivered message on the wire; random_id is a string
// because JavaScript loses int64 precision.
type controlMessage struct {
	From      int64     `json:"from"`
	To        int64     `json:"to"`
	Text      string    `json:"text"`
	RandomID  string    `json:"random_id"`
	Date      time.Time `json:"date"`
	Entities  []Entity  `json:"entities"`
	NoWebpage bool      `json:"no_webpage"`
	MessageID int       `json:"message_id"`
	Reply     bool      `json:"reply"`
	// Media is what the message carries, null for text.
	Media *controlMedia `json:"media"`
}

// controlMedia is a message's photo or file as the record shows it: enough
// to tell which file arrived, not the file.
type controlMedia struct {
	Type     string `json:"type"`
	Size     int64  `json:"size"`
	SHA256   string `json:"sha256,omitempty"`
	FileName string `json:"file_name,omitempty"`
	MimeType string `json:"mime_type,omitempty"`
}

func recordMedia(m *Media) *controlMedia {
	if m == nil {
		return nil
	}
	return &controlMedia{Type: m.Type, Size: m.Size, SHA256: m.SHA256, FileName: m.FileName, MimeType: m.MimeType}
}

func (s *Server) controlMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{
			"dcs":        s.DCs(),
			"public_key": string(s.PublicKeyPEM()),
			"endpoints": []string{
				"GET /codes", "GET /codes/{phone}", "GET /messages?from=&to=&after=",
				"GET /counts", "GET /faults", "POST /faults", "DELETE /faults",
				"GET /faults/hits", "POST /sessions/revoke {\"phone\"}", "POST /sessions/issue {\"phone\"}",
				"POST /connections/drop", "GET /memory",
				"POST /messages/write {\"from\", \"to\", \"text\", \"media\": {\"type\", \"size\"} or {\"type\", \"data\" (base64), \"file_name\", \"mime_type\"}}",
				"GET /uploads", "GET /file-references", "POST /file-references {\"expire_after\"}",
			},
		})
	})
	mux.HandleFunc("GET /codes", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		out := make(map[string]string, len(s.lastCodes))
		for p, c := range s.lastCodes {
			out[p] = c
		}
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("GET /codes/{phone}", func(w http.ResponseWriter, r *http.Request) {
		phone := NormalizePhone(r.PathValue("phone"))
		code, ok := s.Code(phone)
		if !ok {
			writeError(w, http.StatusNotFound, "not_found", "no code was sent to "+phone)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"phone": phone, "code": code})
	})
	mux.HandleFunc("GET /messages", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var from, to int64
		after := -1
		for name, dst := range map[string]*int64{"from": &from, "to": &to} {
			if v := q.Get(name); v != "" {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					writeError(w, http.StatusBadRequest, "validation_failed", name+" must be a user id")
					return
				}
				*dst = n
			}
		}
		if v := q.Get("after"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				writeError(w, http.StatusBadRequest, "validation_failed", "after must be a message index (0 or more)")
				return
			}
			after = n
		}
		out := []map[string]any{}
		for i, m := range s.Messages() {
			if i <= after || (from != 0 && m.From != from) || (to != 0 && m.To != to) {
				continue
			}
			ents := m.Entities
			if ents == nil {
				ents = []Entity{}
			}
			out = append(out, map[string]any{"index": i, "message": controlMessage{
				From: m.From, To: m.To, Text: m.Text, RandomID: strconv.FormatInt(m.RandomID, 10), Date: m.Date,
				Entities: ents, NoWebpage: m.NoWebpage, MessageID: m.MessageID, Reply: m.Reply, Media: recordMedia(m.Media),
			}})
		}
		writeJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("POST /messages/write", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			From  int64  `json:"from"`
			To    int64  `json:"to"`
			Text  string `json:"text"`
			Media *Media `json:"media"`
		}
		data, err := readAll(http.MaxBytesReader(w, r.Body, maxWriteBody))
		if err == nil {
			err = strictUnmarshal(data, &req)
		}
		var m Message
		if err == nil {
			m, err = s.Write(req.From, req.To, req.Text, req.Media)
		}
		if err != nil {
			writeError(w, http.StatusBadRequest, "validation_failed", err.Error())
			return
		}
		writeJSON(w, http.StatusCreated, controlMessage{From: m.From, To: m.To, Text: m.Text,
			RandomID: strconv.FormatInt(m.RandomID, 10), Date: m.Date, Entities: []Entity{}, MessageID: m.MessageID, Reply: m.Reply, Media: recordMedia(m.Media)})
	})
	mux.HandleFunc("GET /uploads", func(w http.ResponseWriter, r *http.Request) {
		out := map[string]int64{}
		for id, n := range s.UploadedBytes() {
			out[strconv.FormatInt(id, 10)] = n
		}
		writeJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("GET /file-references", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, fileRefState(s.FileReferenceTTL()))
	})
	mux.HandleFunc("POST /file-references", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			ExpireAfter string `json:"expire_after"`
		}
		data, err := readAll(http.MaxBytesReader(w, r.Body, 1<<12))
		if err == nil {
			err = strictUnmarshal(data, &req)
		}
		var d time.Duration
		if err == nil && req.ExpireAfter != "" {
			d, err = time.ParseDuration(req.ExpireAfter)
			if err == nil && d <= 0 {
				err = errors.New("not positive")
			}
		}
		if err != nil {
			writeError(w, http.StatusBadRequest, "validation_failed",
				`send {"expire_after": "30s"} to make file references expire 30 seconds after they are handed out, or {"expire_after": ""} to keep them valid`)
			return
		}
		s.SetFileReferenceTTL(d)
		writeJSON(w, http.StatusOK, fileRefState(d))
	})
	mux.HandleFunc("GET /counts", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Counts())
	})
	mux.HandleFunc("GET /faults", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Faults())
	})
	mux.HandleFunc("POST /faults", func(w http.ResponseWriter, r *http.Request) {
		var f Fault
		body := http.MaxBytesReader(w, r.Body, 1<<16)
		data, err := readAll(body)
		if err == nil {
			err = strictUnmarshal(data, &f)
		}
		if err == nil {
			err = s.SetFault(f)
		}
		if err != nil {
			writeError(w, http.StatusBadRequest, "validation_failed", err.Error())
			return
		}
		writeJSON(w, http.StatusCreated, s.Faults())
	})
	mux.HandleFunc("DELETE /faults", func(w http.ResponseWriter, r *http.Request) {
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /sessions/revoke", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Phone string `json:"phone"`
		}
		data, err := readAll(http.MaxBytesReader(w, r.Body, 1<<12))
		if err == nil {
			err = strictUnmarshal(data, &req)
		}
		if err != nil || NormalizePhone(req.Phone) == "" {
			writeError(w, http.StatusBadRequest, "validation_failed", `send {"phone": "..."}`)
			return
		}
		writeJSON(w, http.StatusOK, map[string]int{"revoked": s.RevokeSessions(req.Phone)})
	})
	mux.HandleFunc("POST /connections/drop", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]int{"dropped": s.DropConnections()})
	})
	mux.HandleFunc("GET /faults/hits", func(w http.ResponseWriter, r *http.Request) {
		hits := s.FaultHits()
		if hits == nil {
			hits = []FaultHit{}
		}
		writeJSON(w, http.StatusOK, hits)
	})
	mux.HandleFunc("POST /sessions/issue", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Phone string `json:"phone"`
		}
		data, err := readAll(http.MaxBytesReader(w, r.Body, 1<<12))
		if err == nil {
			err = strictUnmarshal(data, &req)
		}
		if err != nil || NormalizePhone(req.Phone) == "" {
			writeError(w, http.StatusBadRequest, "validation_failed", `send {"phone": "..."}`)
			return
		}
		blob, err := s.IssueSession(req.Phone)
		if err != nil {
			writeError(w, http.StatusNotFound, "not_found", err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"session": base64.StdEncoding.EncodeToString(blob)})
	})
	mux.HandleFunc("GET /memory", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Memory())
	})
	return mux
}

// maxWriteBody lets POST /messages/write carry a 50 MB file in base64.
const maxWriteBody = 72 << 20

func fileRefState(d time.Duration) map[string]any {
	if d == 0 {
		return map[string]any{"expire_after": "", "expiring": false}
	}
	return map[string]any{"expire_after": d.String(), "expiring": true}
}

func readAll(r io.Reader) ([]byte, error) { return io.ReadAll(r) }

// MemoryStats is the sandbox process's memory after a garbage collection,
// with its open connections: what a benchmark divides to get the cost of
// one connected client. It covers the whole process, so it means something
// for `telegramate sandbox`, not for a sandbox inside a test's process.
type MemoryStats struct {
	Connections     int    `json:"connections"`
	Goroutines      int    `json:"goroutines"`
	HeapInuseBytes  uint64 `json:"heap_inuse_bytes"`
	StackInuseBytes uint64 `json:"stack_inuse_bytes"`
	SysBytes        uint64 `json:"sys_bytes"`
}

// Memory collects garbage and reports MemoryStats.
func (s *Server) Memory() MemoryStats {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return MemoryStats{
		Connections: s.Connections(), Goroutines: runtime.NumGoroutine(),
		HeapInuseBytes: m.HeapInuse, StackInuseBytes: m.StackInuse, SysBytes: m.Sys,
	}
}

// Connections is the number of open client connections on every data
// center.
func (s *Server) Connections() int {
	n := 0
	for _, d := range s.dcs {
		n += d.srv.Connections()
	}
	return n
}
