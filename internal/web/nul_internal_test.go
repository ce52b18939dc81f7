package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// TestNULCheckKeepsLongRequestsAlive: the API's body read timeout, set
// after the NUL check read the body whole, no longer ends a request that
// runs past it (connecting an account did, five seconds in).
func TestNULCheckKeepsLongRequestsAlive(t *testing.T) {
	const timeout = 50 * time.Millisecond
	srv := httptest.NewServer(refuseNULInAPI(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// What huma does for every operation with a body.
		_ = huma.SetReadDeadline(w, time.Now().Add(timeout))
		if _, err := io.ReadAll(r.Body); err != nil {
			t.Errorf("read body: %v", err)
		}
		// Work that outlasts the timeout (a call to Telegram).
		select {
		case <-r.Context().Done():
			http.Error(w, "the request was ended", http.StatusInternalServerError)
		case <-time.After(10 * timeout):
			w.WriteHeader(http.StatusCreated)
		}
	})))
	defer srv.Close()
	res, err := http.Post(srv.URL+"/api/v1/accounts", "application/json", strings.NewReader(`{"phone":"+9996611001"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("status %d: the request ended when the body's read deadline passed", res.StatusCode)
	}
}
