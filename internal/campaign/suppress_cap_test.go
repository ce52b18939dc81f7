package campaign_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/telegram"
	"github.com/telegramate/telegramate/internal/testkit"
)

// TestSuppressionListCapped: a user's own additions stop at the cap with a
// clear refusal that changes nothing; another user's list is their own.
func TestSuppressionListCapped(t *testing.T) {
	ctx := context.Background()
	st := storetest.SQLite(t)
	// These tests never reach Telegram; a call that tries (rotating an
	// account) fails at once on a closed local port.
	dcs, key := testkit.UnreachableTelegram(t)
	gw, err := telegram.New(telegram.Config{DCs: dcs, PublicKeyPEM: key, ConnectTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := secrets.NewKeyring(secrets.Key{ID: "test", Secret: make([]byte, secrets.KeySize)})
	if err != nil {
		t.Fatal(err)
	}
	acc, err := accounts.New(accounts.Options{Store: st, Keyring: keys, Gateway: gw})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := campaign.New(campaign.Options{Store: st, Accounts: acc, MaxSuppressions: 3})
	if err != nil {
		t.Fatal(err)
	}
	var users [2]int64
	for i, email := range []string{"ann@example.com", "bea@example.com"} {
		u, err := st.CreateUser(ctx, store.NewUser{Email: email, PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		users[i] = u.ID
	}
	ann, bea := users[0], users[1]
	if res, err := svc.ImportSuppressions(ctx, ann, strings.NewReader("1001\n1002\n")); err != nil || res.Added != 2 {
		t.Fatalf("import within the cap: %+v %v", res, err)
	}
	_, err = svc.ImportSuppressions(ctx, ann, strings.NewReader("1003\n1004\n"))
	if e, ok := apperr.As(err); !ok || e.Code != "suppression_list_full" || !strings.Contains(e.Hint, "Nothing was added") {
		t.Fatalf("import past the cap: %v", err)
	}
	if n, _ := st.CountSuppressions(ctx, ann); n != 2 {
		t.Fatalf("a refused import changed the list: %d entries", n)
	}
	if _, err := svc.Suppress(ctx, ann, "1003", ""); err != nil {
		t.Fatalf("the last entry within the cap: %v", err)
	}
	if _, err := svc.Suppress(ctx, ann, "1004", ""); err == nil {
		t.Fatal("an entry past the cap was added")
	}
	if _, err := svc.ImportSuppressions(ctx, bea, strings.NewReader("1001\n1002\n1003\n")); err != nil {
		t.Fatalf("another user's list: %v", err)
	}
}
