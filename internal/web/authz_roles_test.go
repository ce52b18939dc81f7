package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/audit"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/tokens"
	"github.com/telegramate/telegramate/internal/web/ui"
	"github.com/telegramate/telegramate/internal/workspaces"
)

// roleMember is one person of the role matrix: a member of Bob's
// workspace (own) and of Ann's (other) with the same role, with a browser
// session in each and an API token of Bob's workspace (the header picks
// Ann's).
type roleMember struct {
	role        actor.Role
	own, other  *client
	token       string
	otherHeader bool // the token reaches the other workspace through Telegramate-Workspace
	otherToken  string
}

// roleMatrix signs up a viewer, an operator and an admin in Bob's and
// Ann's workspaces; Bob (owner of his) and Ann (owner of hers) complete it.
func roleMatrix(t *testing.T, e *env, ann, bob *client, bobWS, annWS int64) []roleMember {
	t.Helper()
	ctx := context.Background()
	var out []roleMember
	for _, role := range []actor.Role{actor.Viewer, actor.Operator, actor.Admin} {
		email := string(role) + "@example.com"
		c := e.loggedIn(email)
		u, err := e.store.UserByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		for _, ws := range []int64{bobWS, annWS} {
			if err := e.store.AddWorkspaceMember(ctx, ws, u.ID, string(role), time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		c.post("/workspace", url.Values{"workspace_id": {strconv.FormatInt(bobWS, 10)}}).wantStatus(t, http.StatusSeeOther)
		other := e.client()
		other.logIn(email, goodPassword).wantStatus(t, http.StatusSeeOther)
		other.post("/workspace", url.Values{"workspace_id": {strconv.FormatInt(annWS, 10)}}).wantStatus(t, http.StatusSeeOther)
		plain, _, err := e.tokens.CreateIn(ctx, tokens.NewToken{UserID: u.ID, WorkspaceID: bobWS, Name: "roles"})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, roleMember{role: role, own: c, other: other, token: plain.Reveal(), otherHeader: true, otherToken: plain.Reveal()})
	}
	bobU, _ := e.store.UserByEmail(ctx, "bob@example.com")
	annU, _ := e.store.UserByEmail(ctx, "ann@example.com")
	bobTok, _, err := e.tokens.Create(ctx, bobU.ID, "owner")
	if err != nil {
		t.Fatal(err)
	}
	annTok, _, err := e.tokens.CreateIn(ctx, tokens.NewToken{UserID: annU.ID, WorkspaceID: annWS, Name: "owner"})
	if err != nil {
		t.Fatal(err)
	}
	return append(out, roleMember{role: actor.Owner, own: bob, other: ann, token: bobTok.Reveal(), otherToken: annTok.Reveal()})
}

// lastRoutes go last when each route is sent with its least role: they
// move the caller to another workspace.
var lastRoutes = []string{"POST /workspaces", "POST /workspace", "POST /members/{user_id}/remove", "DELETE /workspaces/{id}/members/{user_id}"}

// TestEveryRouteChecksRoles sends every UI route and API operation, listed
// by the UI and the OpenAPI document themselves, as every role in Bob's
// workspace and in another (Ann's): a role below the route's least one is
// refused with 403 (code forbidden, naming the role, on the API); the
// least role gets through; in the other workspace Bob's objects are not
// found. A new route fails until its fixture says what role it needs.
func TestEveryRouteChecksRoles(t *testing.T) {
	storetest.EachParallel(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		e := newEnv(t, s)
		ann := e.loggedIn("ann@example.com")
		annU, _ := s.UserByEmail(ctx, "ann@example.com")
		annMine, _ := s.UserWorkspaces(ctx, annU.ID)
		// A spare workspace first, so workspace ids and user ids part: a
		// handler passing one for the other would show.
		if _, err := s.CreateWorkspace(ctx, "Spare", annU.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		bob := e.loggedIn("bob@example.com")
		ids := bobsObjects(t, e, bob)
		bobWS, _ := strconv.ParseInt(ids["workspace"], 10, 64)
		if bobU, _ := s.UserByEmail(ctx, "bob@example.com"); bobU.ID == bobWS {
			t.Fatalf("bob's workspace has his user id %d: the test cannot tell them apart", bobWS)
		}
		members := roleMatrix(t, e, ann, bob, bobWS, annMine[0].ID)
		annWS := strconv.FormatInt(annMine[0].ID, 10)

		h, err := ui.New(ui.Deps{Users: e.deps.Users, Tokens: e.deps.Tokens, Workspaces: workspaces.New(s), Sessions: ui.NewSessions(s, false),
			AccountService: e.deps.AccountService, Extract: e.deps.Extract, Campaigns: e.deps.Campaigns, Inbox: e.deps.Inbox,
			Webhooks: e.deps.Webhooks, Audit: audit.New(s)})
		if err != nil {
			t.Fatal(err)
		}
		h.Register(http.NewServeMux())
		type call struct {
			pattern, method, target string
			f                       fixture
			api                     bool
		}
		var calls []call
		for _, r := range h.Routes() {
			f, ok := uiFixtures[r.Pattern]
			if !ok {
				t.Errorf("add a fixture for route %q to uiFixtures in %s", r.Pattern, "internal/web/authz_test.go")
				continue
			}
			if r.Access != ui.AccessPrivate {
				continue
			}
			method, path := splitPattern(r.Pattern)
			f.form = fillForm(f.form, ids)
			calls = append(calls, call{r.Pattern, method, fill(path, f, ids) + f.query, f, false})
		}
		for _, op := range apiOperations(t, e) {
			f, ok := apiFixtures[op]
			if !ok {
				t.Errorf("add a fixture for route %q to apiFixtures in %s", op, "internal/web/authz_test.go")
				continue
			}
			method, path := splitPattern(op)
			f.body = fillIDs(f.body, ids)
			calls = append(calls, call{op, method, "/api/v1" + fill(path, f, ids) + f.query, f, true})
		}
		send := func(c call, m roleMember, other bool) response {
			t.Helper()
			if !c.api {
				if strings.HasSuffix(c.target, "/events") && !other {
					return m.own.openStream(c.target)
				}
				if other {
					return m.other.send(c.method, c.target, c.f.form)
				}
				return m.own.send(c.method, c.target, c.f.form)
			}
			if !other {
				return e.client().sendJSON(c.method, c.target, m.token, c.f.body)
			}
			if !m.otherHeader {
				return e.client().sendJSON(c.method, c.target, m.otherToken, c.f.body)
			}
			return e.client().sendJSONHeader(c.method, c.target, m.otherToken, c.f.body, "Telegramate-Workspace", annWS)
		}

		// Refusals first: they change nothing.
		for _, c := range calls {
			for _, m := range members {
				below := c.f.role != "" && !m.role.AtLeast(c.f.role)
				if below {
					resp := send(c, m, false)
					if resp.StatusCode != http.StatusForbidden {
						t.Errorf("%s %s as %s (needs %s): %d, want 403\n%.300s", c.method, c.target, m.role, c.f.role, resp.StatusCode, resp.body)
					} else if c.api {
						if code, msg, _, _ := resp.apiError(t); code != "forbidden" || !strings.Contains(msg, string(c.f.role)) && !strings.Contains(msg, "owner") {
							t.Errorf("%s %s as %s: %q %q, want forbidden naming %s", c.method, c.target, m.role, code, msg, c.f.role)
						}
					}
				}
				if c.f.skipOwner != "" || c.f.skipOtherRole != "" {
					continue
				}
				// Below the route's role a request may be refused for the
				// role before the object is looked up: 403 is as good a
				// refusal as 404 there, and tells nothing of Bob's object.
				if resp := send(c, m, true); resp.StatusCode != http.StatusNotFound && !(below && resp.StatusCode == http.StatusForbidden) {
					t.Errorf("%s %s with Bob's %s as %s of another workspace: %d, want 404\n%.300s", c.method, c.target, c.f.id, m.role, resp.StatusCode, resp.body)
				}
			}
		}
		// Then each route with its least role, reads first.
		slices.SortStableFunc(calls, func(a, b call) int {
			rank := func(c call) int {
				switch {
				case slices.Contains(lastRoutes, c.pattern):
					return 2
				case c.method == http.MethodGet:
					return 0
				}
				return 1
			}
			return rank(a) - rank(b)
		})
		for _, c := range calls {
			if c.f.skipAllowed != "" {
				continue
			}
			least := c.f.role
			if least == "" {
				least = actor.Viewer
			}
			m := members[slices.IndexFunc(members, func(m roleMember) bool { return m.role == least })]
			if resp := send(c, m, false); resp.StatusCode == http.StatusForbidden {
				t.Errorf("%s %s as %s (its least role): 403\n%.300s", c.method, c.target, m.role, resp.body)
			}
		}
	})
}

// apiOperations lists the API's operations that need a token, from its
// OpenAPI document.
func apiOperations(t *testing.T, e *env) []string {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]struct {
			Security *[]map[string][]string `json:"security"`
		} `json:"paths"`
	}
	r := e.client().get("/api/v1/openapi.json").wantStatus(t, http.StatusOK)
	if err := json.Unmarshal([]byte(r.body), &doc); err != nil {
		t.Fatal(err)
	}
	var ops []string
	for path, methods := range doc.Paths {
		for m, op := range methods {
			if op.Security != nil && len(*op.Security) == 0 {
				continue
			}
			ops = append(ops, strings.ToUpper(m)+" "+path)
		}
	}
	slices.Sort(ops)
	if len(ops) < 10 {
		t.Fatalf("only %d API operations listed", len(ops))
	}
	return ops
}

// openStream opens a server-sent events stream and closes it once its
// status is known (an allowed stream stays open for as long as the page).
func (c *client) openStream(path string) response {
	c.e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.e.srv.URL+path, nil)
	resp, err := c.http.Do(req)
	if err != nil {
		c.e.t.Fatalf("GET %s: %v", path, err)
	}
	resp.Body.Close()
	return response{resp, ""}
}

func (c *client) sendJSONHeader(method, path, token, body string, header ...string) response {
	c.e.t.Helper()
	if body == "" && (method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch) {
		body = "{}"
	}
	req, _ := http.NewRequest(method, c.e.srv.URL+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.do(req)
}
