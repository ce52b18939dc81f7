package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/tokens"
)

// stream is an open server-sent events response, read in the background;
// closed turns true when the server ends it.
type stream struct {
	status int
	closed atomic.Bool
}

func (c *client) stream(t *testing.T, path string) *stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.e.srv.URL+path, nil)
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	s := &stream{status: resp.StatusCode}
	go func() {
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		s.closed.Store(true)
	}()
	return s
}

// team makes Bob's workspace with Vic in it as an operator: Vic's browser
// works in it, and Vic has a token of it.
func team(t *testing.T, e *env) (bob, vic *client, bobWS, vicID int64, vicToken string) {
	t.Helper()
	ctx := context.Background()
	bob = e.loggedIn("bob@example.com")
	vic = e.loggedIn("vic@example.com")
	bobU, _ := e.store.UserByEmail(ctx, "bob@example.com")
	vicU, _ := e.store.UserByEmail(ctx, "vic@example.com")
	mine, err := e.store.UserWorkspaces(ctx, bobU.ID)
	if err != nil || len(mine) != 1 {
		t.Fatalf("bob's workspaces %v %v", mine, err)
	}
	bobWS = mine[0].ID
	if err := e.store.AddWorkspaceMember(ctx, bobWS, vicU.ID, "operator", time.Now()); err != nil {
		t.Fatal(err)
	}
	vic.post("/workspace", url.Values{"workspace_id": {fmt.Sprint(bobWS)}}).wantStatus(t, http.StatusSeeOther)
	plain, _, err := e.tokens.CreateIn(ctx, tokens.NewToken{UserID: vicU.ID, WorkspaceID: bobWS, Name: "vic's"})
	if err != nil {
		t.Fatal(err)
	}
	return bob, vic, bobWS, vicU.ID, plain.Reveal()
}

// TestRoleChangeTakesEffectOnNextRequest: Bob makes Vic, an operator, a
// viewer. Vic's next request, open stream and token act as a viewer.
func TestRoleChangeTakesEffectOnNextRequest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		bob, vic, _, vicID, vicToken := team(t, e)
		vic.post("/suppressions", url.Values{"user": {"@spammer"}}).wantStatus(t, http.StatusSeeOther)
		live := vic.stream(t, "/inbox/events")
		if live.status != http.StatusOK {
			t.Fatalf("vic's inbox stream: %d", live.status)
		}

		bob.post(fmt.Sprintf("/members/%d/role", vicID), url.Values{"role": {"viewer"}}).wantStatus(t, http.StatusSeeOther)

		r := vic.post("/suppressions", url.Values{"user": {"@another"}}).wantStatus(t, http.StatusForbidden)
		r.wantBody(t, "This needs the operator role or higher", "Your role in this workspace is viewer")
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/api/v1/suppressions", strings.NewReader(`{"username":"another"}`))
		req.Header.Set("Authorization", "Bearer "+vicToken)
		req.Header.Set("Content-Type", "application/json")
		resp := e.client().do(req).wantStatus(t, http.StatusForbidden)
		if code, _, _, _ := resp.apiError(t); code != "forbidden" {
			t.Errorf("vic's token after the change: %q", code)
		}
		vic.get("/suppressions").wantStatus(t, http.StatusOK).wantBody(t, "spammer")
		// A viewer is offered no button a viewer cannot use.
		vic.get("/").wantStatus(t, http.StatusOK).wantNoBody(t, `href="/accounts/connect"`)
		vic.get("/accounts").wantStatus(t, http.StatusOK).wantNoBody(t, `href="/accounts/connect"`)
		vic.get("/tokens").wantStatus(t, http.StatusOK).wantNoBody(t, `id="create-token"`)
		testkit.Eventually(t, 30*time.Second, "vic's open stream to close after the role change", live.closed.Load)
	})
}

// TestRemovedMemberIsRefused: Bob removes Vic. Vic's next request works
// in Vic's own workspace (none of Bob's), the open stream closes, the
// token and the header naming Bob's workspace are refused.
func TestRemovedMemberIsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		bob, vic, bobWS, vicID, vicToken := team(t, e)
		vic.get("/members").wantStatus(t, http.StatusOK).wantBody(t, "bob@example.com", "vic@example.com")
		e.client().api(http.MethodGet, "/api/v1/suppressions", vicToken).wantStatus(t, http.StatusOK)
		live := vic.stream(t, "/inbox/events")
		if live.status != http.StatusOK {
			t.Fatalf("vic's inbox stream: %d", live.status)
		}

		bob.post(fmt.Sprintf("/members/%d/remove", vicID), nil).wantStatus(t, http.StatusSeeOther)

		r := vic.get("/members").wantStatus(t, http.StatusOK)
		r.wantNoBody(t, "bob@example.com")
		r.wantBody(t, "vic@example.com&#39;s workspace")
		e.client().api(http.MethodGet, "/api/v1/suppressions", vicToken).wantStatus(t, http.StatusUnauthorized)
		vic.post("/workspace", url.Values{"workspace_id": {fmt.Sprint(bobWS)}}).wantStatus(t, http.StatusNotFound)
		testkit.Eventually(t, 30*time.Second, "vic's open stream to close after the removal", live.closed.Load)

		// Vic's own token may not pick Bob's workspace with the header.
		vicU, _ := s.UserByEmail(context.Background(), "vic@example.com")
		own, _, err := e.tokens.Create(context.Background(), vicU.ID, "own")
		if err != nil {
			t.Fatal(err)
		}
		resp := e.client().sendJSONHeader(http.MethodGet, "/api/v1/suppressions", own.Reveal(), "", "Telegramate-Workspace", strconv.FormatInt(bobWS, 10))
		resp.wantStatus(t, http.StatusNotFound)
		if code, msg, _, _ := resp.apiError(t); code != "not_found" || !strings.Contains(msg, "Workspace") {
			t.Errorf("the header naming a workspace vic left: %q %q", code, msg)
		}
		e.client().sendJSONHeader(http.MethodGet, "/api/v1/suppressions", own.Reveal(), "", "Telegramate-Workspace", "x").wantStatus(t, http.StatusBadRequest)
	})
}

// TestWorkspaceLife: a person in several workspaces switches between them
// in the navigation; the owner transfers ownership (one owner before and
// after) and deletes a workspace with what it holds.
func TestWorkspaceLife(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		ctx := context.Background()
		bob, vic, bobWS, vicID, _ := team(t, e)
		// Vic sees the switcher (two workspaces); Bob, in one, does not.
		vic.get("/").wantStatus(t, http.StatusOK).wantBody(t, `id="workspace-switcher"`, "bob@example.com&#39;s workspace", "vic@example.com&#39;s workspace")
		bob.get("/").wantStatus(t, http.StatusOK).wantNoBody(t, `id="workspace-switcher"`)
		// Bob adds a suppression in his workspace; Vic sees it there only.
		bob.post("/suppressions", url.Values{"user": {"@bobs"}}).wantStatus(t, http.StatusSeeOther)
		vic.get("/suppressions").wantBody(t, "bobs")
		vicMine, _ := s.UserWorkspaces(ctx, vicID)
		vic.post("/workspace", url.Values{"workspace_id": {fmt.Sprint(vicMine[0].ID + vicMine[1].ID - bobWS)}}).wantStatus(t, http.StatusSeeOther)
		vic.get("/suppressions").wantNoBody(t, "bobs")
		vic.post("/workspace", url.Values{"workspace_id": {fmt.Sprint(bobWS)}}).wantStatus(t, http.StatusSeeOther)

		// The members page: Bob (owner) sees every button; Vic, an
		// operator, none that changes anyone else.
		bob.get("/members").wantBody(t, "Make owner", "Remove", `id="delete-workspace"`)
		r := vic.get("/members")
		r.wantNoBody(t, "Make owner", `id="delete-workspace"`, `/role"`)
		r.wantBody(t, "Leave")

		bob.post(fmt.Sprintf("/members/%d/transfer", vicID), nil).wantStatus(t, http.StatusSeeOther)
		ms, _ := s.WorkspaceMembers(ctx, bobWS)
		owners := 0
		for _, m := range ms {
			if m.Role == "owner" {
				owners++
				if m.UserID != vicID {
					t.Errorf("owner after the transfer: %d, want vic %d", m.UserID, vicID)
				}
			}
		}
		if owners != 1 {
			t.Errorf("%d owners after the transfer", owners)
		}
		// Bob, now an admin, can no longer delete it; Vic, the owner, can.
		bob.post("/workspace/delete", nil).wantStatus(t, http.StatusForbidden)
		vic.post("/workspace/delete", nil).wantStatus(t, http.StatusSeeOther)
		if _, err := s.WorkspaceByID(ctx, bobWS); err == nil {
			t.Error("the workspace outlived its deletion")
		}
		// Bob is in no workspace now: his next request gives him a new one.
		bob.get("/suppressions").wantStatus(t, http.StatusOK).wantNoBody(t, "bobs")
	})
}
