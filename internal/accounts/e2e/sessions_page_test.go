package e2e_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/telegramate/telegramate/internal/accounts/accountstest"
)

// TestSessionsPageDoesNotAskTelegramOnEveryView: reloading the sessions
// page answers from Telegram's list of a moment ago; Refresh asks again,
// and so does terminating a session.
func TestSessionsPageDoesNotAskTelegramOnEveryView(t *testing.T) {
	a := startApp(t)
	b := signUp(t, a, "fay@example.com")
	acct := tokenFor(t, a, "fay@example.com").connect(accountstest.AppF, accountstest.PhoneFay, "")
	page := fmt.Sprintf("/accounts/%d/sessions", acct.ID)
	asked := func() int { return sbx.Counts()["account.getAuthorizations"] }

	before := asked()
	for range 3 {
		r := b.get(page)
		if r.Status != http.StatusOK || !strings.Contains(string(r.Body), "This is Telegramate") || !strings.Contains(string(r.Body), `id="refresh-sessions"`) {
			t.Fatalf("sessions page: %d\n%s", r.Status, r.Body)
		}
	}
	if n := asked() - before; n != 1 {
		t.Errorf("three views asked Telegram %d times, want once", n)
	}
	if r := b.get(page + "?refresh=1"); r.Status != http.StatusOK || !strings.Contains(string(r.Body), "listed them just now") {
		t.Fatalf("refresh: %d", r.Status)
	}
	if n := asked() - before; n != 2 {
		t.Errorf("Refresh did not ask Telegram (%d calls in all)", n)
	}
	// The API answers as Telegram lists the sessions now.
	c := tokenFor(t, a, "fay@example.com")
	c.call("GET", page, nil)
	if n := asked() - before; n != 3 {
		t.Errorf("the API answered from the page's list (%d calls in all)", n)
	}
}
