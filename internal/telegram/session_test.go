package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"github.com/gotd/td/session"
)

func sampleSession(t *testing.T, dc int) Session {
	t.Helper()
	st := newMemStorage(nil)
	data := &session.Data{DC: dc, AuthKey: bytes.Repeat([]byte{7}, 256), AuthKeyID: bytes.Repeat([]byte{1}, 8)}
	if err := (&session.Loader{Storage: st}).Save(context.Background(), data); err != nil {
		t.Fatal(err)
	}
	return st.Bytes()
}

func TestMemStorage(t *testing.T) {
	ctx := context.Background()
	st := newMemStorage(nil)
	if _, err := st.LoadSession(ctx); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("empty storage: %v, want ErrNotFound", err)
	}
	seed := []byte("abc")
	st = newMemStorage(seed)
	seed[0] = 'X'
	got, err := st.LoadSession(ctx)
	if err != nil || string(got) != "abc" {
		t.Fatalf("seeded storage = %q %v (aliases the caller's slice?)", got, err)
	}
	got[0] = 'Y'
	in := []byte("def")
	if err := st.StoreSession(ctx, in); err != nil {
		t.Fatal(err)
	}
	in[0] = 'Z'
	if b := st.Bytes(); string(b) != "def" {
		t.Fatalf("Bytes = %q", b)
	}
}

func TestSessionDCAndValidity(t *testing.T) {
	s := sampleSession(t, 4)
	if dc := SessionDC(s); dc != 4 {
		t.Errorf("SessionDC = %d", dc)
	}
	if _, ok := checkSession(s); !ok {
		t.Error("good session rejected")
	}
	if data, ok := checkSession(nil); !ok || data != nil {
		t.Error("good session rejected")
	}
	for _, bad := range []string{"garbage", `{"Version":2,"Data":{}}`, `{"Version":1,"Data":{"AuthKey":"AAAA"}}`} {
		if _, ok := checkSession(Session(bad)); ok {
			t.Errorf("checkSession(%q) accepted", bad)
		}
		if SessionDC(Session(bad)) != 0 {
			t.Errorf("SessionDC(%q) != 0", bad)
		}
	}
}

func TestSessionRedacts(t *testing.T) {
	s := sampleSession(t, 2)
	secret := `"AuthKey"`
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("x", slog.Any("session", s))
	js, _ := json.Marshal(struct{ S Session }{s})
	for name, out := range map[string]string{
		//lint:ignore S1025 each formatting verb is what is under test.
		"%v": fmt.Sprintf("%v", s), "%s": fmt.Sprintf("%s", s), "%x": fmt.Sprintf("%x", s),
		"%#v": fmt.Sprintf("%#v", s), "%+v": fmt.Sprintf("%+v", struct{ S Session }{s}),
		"slog": logged.String(), "json": string(js),
	} {
		if bytes.Contains([]byte(out), []byte(secret)) || bytes.Contains([]byte(out), []byte("0707")) {
			t.Errorf("%s leaks the session: %s", name, out)
		}
	}
}
