package web_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

func TestConnectAlertShowsUntilAnAccountIsConnected(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		c := e.loggedIn("ann@example.com")
		ann, err := e.users.ByEmail(t.Context(), "ann@example.com")
		if err != nil {
			t.Fatal(err)
		}
		const alert = `id="connect-telegram-alert"`
		c.get("/").wantStatus(t, http.StatusOK).wantBody(t, alert)

		// A login that has not finished does not count.
		if _, err := s.CreatePendingAccount(t.Context(), ann.ID, 12345, "+99966012345", time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		c.get("/").wantBody(t, alert)

		if _, err := s.CreateAccount(t.Context(), ann.ID, store.AccountLogin{
			APIID: 23456, APIHashSealed: []byte("sealed"), Phone: "+99966023456", TGUserID: 7, DC: 2,
			SessionSealed: []byte("sealed"), Now: time.Now().UTC(),
		}); err != nil {
			t.Fatal(err)
		}
		r := c.get("/").wantStatus(t, http.StatusOK)
		r.wantNoBody(t, alert)
		r.wantBody(t, `id="stat-accounts">1<`)

		// Another user still sees it.
		e.loggedIn("bob@example.com").get("/").wantBody(t, alert)
	})
}
