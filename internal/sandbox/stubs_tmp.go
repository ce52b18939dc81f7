package sandbox

import (
	"github.com/gotd/td/tg"
)

const maxMessageLength = 4096

type strangerDay struct {
	Day   string         `json:"day"`
	Peers map[int64]bool `json:"peers"`
}

func (d *strangerDay) clone() *strangerDay {
	cp := &strangerDay{Day: d.Day, Peers: map[int64]bool{}}
	for k, v := range d.Peers {
		cp.Peers[k] = v
	}
	return cp
}

type controlServer struct{ url string }

func (c *controlServer) close() error                         { return nil }
func (s *Server) startControl(string) (*controlServer, error) { return nil, nil }

func (s *Server) registerChats(d *tg.ServerDispatcher)        {}
func (s *Server) registerParticipants(d *tg.ServerDispatcher) {}
func (s *Server) registerMessages(d *tg.ServerDispatcher)     {}
func (s *Server) registerUpdates(d *tg.ServerDispatcher)      {}
func (s *Server) chatFor(viewer int64, g *group) tg.ChatClass { return &tg.ChatEmpty{ID: g.ID} }
