// Package mail sends the few emails Telegramate writes (invitations)
// through an SMTP server given as a URL:
//
//	smtp://user:pass@mail.example.com:587?from=telegramate@example.com
//	smtps://user:pass@mail.example.com:465?from=…   (TLS from the start)
//
// With smtp://, STARTTLS is used whenever the server offers it; a password
// is only sent over TLS or to this machine (net/smtp's PlainAuth refuses
// otherwise).
package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"strings"
	"time"
)

// Timeout bounds one message's whole conversation with the server.
const Timeout = 30 * time.Second

// SMTP sends through one server.
type SMTP struct {
	addr     string // host:port
	host     string
	implicit bool // smtps: TLS before the greeting
	user     string
	pass     string
	from     mail.Address
	// TLSConfig overrides the TLS settings (a test server's certificate).
	TLSConfig *tls.Config
}

// Parse reads an SMTP URL; from, when not empty, is the sender's address
// and wins over the URL's from parameter.
func Parse(raw, from string) (*SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("not a URL: want smtp://user:pass@host:port?from=address")
	}
	s := &SMTP{}
	port := ""
	switch u.Scheme {
	case "smtp":
		port = "587"
	case "smtps":
		port, s.implicit = "465", true
	default:
		return nil, fmt.Errorf("scheme %q: want smtp:// or smtps://", u.Scheme)
	}
	s.host = u.Hostname()
	if s.host == "" {
		return nil, errors.New("no host: want smtp://user:pass@host:port")
	}
	if u.Port() != "" {
		port = u.Port()
	}
	s.addr = net.JoinHostPort(s.host, port)
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
	}
	if from == "" {
		from = u.Query().Get("from")
	}
	if from == "" {
		return nil, errors.New("no sender: give --smtp-from or ?from=address in the URL")
	}
	a, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("sender %q: %v", from, err)
	}
	s.from = *a
	return s, nil
}

// Send sends a plain-text message to one address.
func (s *SMTP) Send(ctx context.Context, to, subject, body string) error {
	rcpt, err := mail.ParseAddress(to)
	if err != nil {
		return fmt.Errorf("recipient %q: %w", to, err)
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return fmt.Errorf("smtp %s: %w", s.addr, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if s.implicit {
		conn = tls.Client(conn, s.tlsConfig())
	}
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return fmt.Errorf("smtp %s: %w", s.addr, err)
	}
	defer c.Close()
	if err := s.converse(c, rcpt.Address, s.message(rcpt, subject, body)); err != nil {
		return fmt.Errorf("smtp %s: %w", s.addr, err)
	}
	return nil
}

func (s *SMTP) converse(c *smtp.Client, to string, msg []byte) error {
	if err := c.Hello("localhost"); err != nil {
		return err
	}
	if ok, _ := c.Extension("STARTTLS"); ok && !s.implicit {
		if err := c.StartTLS(s.tlsConfig()); err != nil {
			return err
		}
	}
	if s.user != "" {
		if err := c.Auth(smtp.PlainAuth("", s.user, s.pass, s.host)); err != nil {
			return err
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func (s *SMTP) tlsConfig() *tls.Config {
	if s.TLSConfig != nil {
		return s.TLSConfig
	}
	return &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
}

// message is the RFC 5322 text: headers, then the body with CRLF line
// ends (the DATA writer dot-stuffs it).
func (s *SMTP) message(to *mail.Address, subject, body string) []byte {
	var b strings.Builder
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("From", s.from.String())
	h("To", to.String())
	h("Subject", mime.QEncoding.Encode("utf-8", subject))
	h("Date", time.Now().UTC().Format(time.RFC1123Z))
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=utf-8")
	h("Content-Transfer-Encoding", "8bit")
	b.WriteString("\r\n")
	b.WriteString(strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n"))
	return []byte(b.String())
}
