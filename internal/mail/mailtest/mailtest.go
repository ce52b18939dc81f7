// Package mailtest is a small SMTP server on 127.0.0.1 for tests: it
// speaks enough of RFC 5321 (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, RSET,
// NOOP, QUIT) for net/smtp and keeps every message it is given.
package mailtest

import (
	"encoding/base64"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
)

// Message is one message received.
type Message struct {
	From string
	To   []string
	Data string // headers and body, CRLF line ends, dot-unstuffed
	User string // who authenticated, "" if nobody
}

// Server is a listening test server.
type Server struct {
	ln       net.Listener
	user     string
	pass     string
	Messages chan Message
	wg       sync.WaitGroup
}

// Start listens on 127.0.0.1; with user set, AUTH PLAIN is offered and
// required. The server stops with the test.
func Start(t testing.TB, user, pass string) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{ln: ln, user: user, pass: pass, Messages: make(chan Message, 16)}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s
}

// Addr is host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL is an smtp:// URL for mail.Parse, with the credentials given to
// Start and from as the sender.
func (s *Server) URL(from string) string {
	u := "smtp://"
	if s.user != "" {
		u += s.user + ":" + s.pass + "@"
	}
	return u + s.Addr() + "?from=" + from
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			s.session(textproto.NewConn(c))
		}()
	}
}

func (s *Server) session(c *textproto.Conn) {
	reply := func(code int, msg string) bool { return c.PrintfLine("%d %s", code, msg) == nil }
	if !reply(220, "mailtest ready") {
		return
	}
	var m Message
	for {
		line, err := c.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			if s.user != "" {
				_ = c.PrintfLine("250-mailtest")
				reply(250, "AUTH PLAIN")
			} else {
				reply(250, "mailtest")
			}
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			b, err := base64.StdEncoding.DecodeString(resp)
			parts := strings.Split(string(b), "\x00")
			if strings.ToUpper(mech) != "PLAIN" || err != nil || len(parts) != 3 || parts[1] != s.user || parts[2] != s.pass {
				reply(535, "authentication failed")
				continue
			}
			m.User = parts[1]
			reply(235, "authenticated")
		case "MAIL":
			if s.user != "" && m.User == "" {
				reply(530, "authentication required")
				continue
			}
			m.From = addr(arg)
			reply(250, "ok")
		case "RCPT":
			m.To = append(m.To, addr(arg))
			reply(250, "ok")
		case "DATA":
			if !reply(354, "go ahead") {
				return
			}
			lines, err := c.ReadDotLines()
			if err != nil {
				return
			}
			m.Data = strings.Join(lines, "\r\n")
			s.Messages <- m
			m = Message{User: m.User}
			reply(250, "queued")
		case "RSET":
			m = Message{User: m.User}
			reply(250, "ok")
		case "NOOP":
			reply(250, "ok")
		case "QUIT":
			reply(221, "bye")
			return
		default:
			reply(502, "not implemented")
		}
	}
}

// addr is the address of "FROM:<a@b>" or "TO:<a@b> …".
func addr(arg string) string {
	_, a, _ := strings.Cut(arg, "<")
	a, _, _ = strings.Cut(a, ">")
	return a
}
