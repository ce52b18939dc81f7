package mail_test

import (
	"context"
	"strings"
	"testing"

	"github.com/telegramate/telegramate/internal/mail"
	"github.com/telegramate/telegramate/internal/mail/mailtest"
)

func TestSendThroughSMTP(t *testing.T) {
	srv := mailtest.Start(t, "tg", "s3cret")
	m, err := mail.Parse(srv.URL("Telegramate <noreply@example.com>"), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(context.Background(), "ann@example.com", "Join “Sales”", "Open this link:\n.hidden line\nhttps://tg.example.com/invite/abc\n"); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-srv.Messages:
		if got.User != "tg" || got.From != "noreply@example.com" || len(got.To) != 1 || got.To[0] != "ann@example.com" {
			t.Errorf("envelope %+v", got)
		}
		for _, want := range []string{"To: <ann@example.com>", "Subject: =?utf-8?q?Join_=E2=80=9CSales=E2=80=9D?=", "\r\n.hidden line\r\n", "https://tg.example.com/invite/abc"} {
			if !strings.Contains(got.Data, want) {
				t.Errorf("message lacks %q:\n%s", want, got.Data)
			}
		}
	default: // the server keeps a message before it answers DATA
		t.Fatal("no message arrived")
	}
}

func TestSendRefusedCredentials(t *testing.T) {
	srv := mailtest.Start(t, "tg", "s3cret")
	m, err := mail.Parse("smtp://tg:wrong@"+srv.Addr()+"?from=noreply@example.com", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(context.Background(), "ann@example.com", "x", "y"); err == nil || !strings.Contains(err.Error(), "535") {
		t.Errorf("wrong password: %v", err)
	}
}

func TestParse(t *testing.T) {
	for _, c := range []struct{ url, from, bad string }{
		{"http://h:25?from=a@b.c", "", "scheme"},
		{"smtp://:25?from=a@b.c", "", "no host"},
		{"smtp://h:25", "", "no sender"},
		{"smtp://h:25?from=not-an-address", "", "sender"},
		{"smtp://h:25", "a@b.c", ""},
		{"smtps://u:p@h?from=a@b.c", "", ""},
	} {
		_, err := mail.Parse(c.url, c.from)
		if (err == nil) != (c.bad == "") || err != nil && !strings.Contains(err.Error(), c.bad) {
			t.Errorf("Parse(%q, %q): %v, want %q", c.url, c.from, err, c.bad)
		}
	}
}
