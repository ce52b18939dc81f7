package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/telegramate/telegramate/internal/mail"
	"github.com/telegramate/telegramate/internal/mail/mailtest"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/users"
	"github.com/telegramate/telegramate/internal/web"
)

var inviteLinkRe = regexp.MustCompile(`value="(http://[^"]+/invite/([A-Za-z0-9_-]{43}))"`)

// invite invites email on the members page and returns the link shown
// once and the page.
func (c *client) invite(t *testing.T, email, role string) (link, token string, page response) {
	t.Helper()
	page = c.post("/members/invitations", url.Values{"email": {email}, "role": {role}}).wantStatus(t, http.StatusCreated)
	m := inviteLinkRe.FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("no link shown after inviting %s:\n%s", email, page.body)
	}
	return m[1], m[2], page
}

var dateRe = regexp.MustCompile(`\d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d UTC`)

// masked is a page with what differs between two invitations (the
// email, the link, the time, the invitation's id) taken out.
func masked(body string, email, token string) string {
	body = strings.ReplaceAll(body, token, "TOKEN")
	body = strings.ReplaceAll(body, email, "EMAIL")
	body = regexp.MustCompile(`data-invitation-id="\d+"|/members/invitations/\d+/`).ReplaceAllString(body, "ID")
	return dateRe.ReplaceAllString(body, "DATE")
}

func memberRole(t *testing.T, s store.Store, ws int64, email string) string {
	t.Helper()
	u, err := s.UserByEmail(context.Background(), email)
	if err != nil {
		return ""
	}
	m, err := s.Membership(context.Background(), ws, u.ID)
	if err != nil {
		return ""
	}
	return m.Role
}

// TestInvitationFlow: an owner invites by email on the members page; the
// link's page lets a new person sign up and an existing one log in, each
// joining with the invitation's role; a used, revoked or unknown link
// changes nothing; and nothing tells whether an email has an account.
func TestInvitationFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		e := newEnv(t, s)
		bob, vic, bobWS, _, _ := team(t, e) // Vic: an operator of Bob's workspace
		e.loggedIn("amy@example.com")       // an account, in no workspace of Bob's

		// No SMTP: the page says the link is passed on by hand.
		bob.get("/members").wantBody(t, "Invite someone", "sends no email")

		// No enumeration: inviting an email with an account and one without
		// answers the same, and so does the link's page.
		_, amyTok, amyPage := bob.invite(t, "amy@example.com", "viewer")
		newLink, newTok, newPage := bob.invite(t, "new@example.com", "viewer")
		cut := func(r response) string {
			b := r.body
			return b[strings.Index(b, `id="invited-alert"`):strings.Index(b, "Invite someone")]
		}
		if a, b := masked(cut(amyPage), "amy@example.com", amyTok), masked(cut(newPage), "new@example.com", newTok); a != b {
			t.Errorf("the invitation answers differ for an email with an account:\n%s\n---\n%s", a, b)
		}
		anon := e.client()
		amyInv := anon.get("/invite/"+amyTok).wantStatus(t, http.StatusOK)
		newInv := anon.get("/invite/"+newTok).wantStatus(t, http.StatusOK)
		if a, b := masked(amyInv.body, "amy@example.com", amyTok), masked(newInv.body, "new@example.com", newTok); a != b {
			t.Errorf("the link's page differs for an email with an account:\n%s\n---\n%s", a, b)
		}
		newInv.wantBody(t, "bob@example.com&#39;s workspace", "<strong>viewer</strong>", `value="new@example.com"`,
			"Create account and join", "Log in and join")
		// The same over the API, for the two emails.
		bobTok := bob.createToken(t, "invites")
		apiInvite := func(email string) map[string]any {
			t.Helper()
			r := e.client().sendJSON("POST", "/api/v1/workspaces/"+strconv.FormatInt(bobWS, 10)+"/members", bobTok, `{"email":"`+email+`","role":"operator"}`)
			r.wantStatus(t, http.StatusCreated)
			var out map[string]any
			if err := json.Unmarshal([]byte(r.body), &out); err != nil {
				t.Fatal(err)
			}
			return out
		}
		withAcct, without := apiInvite("amy@example.com"), apiInvite("nobody@example.com")
		if len(withAcct) != len(without) || withAcct["emailed"] != without["emailed"] || withAcct["role"] != without["role"] {
			t.Errorf("API answers differ: %v vs %v", withAcct, without)
		}
		for k := range withAcct {
			if _, ok := without[k]; !ok {
				t.Errorf("API answer key %q only for an email with an account", k)
			}
		}

		// A member is refused, by role and by being one already.
		vic.post("/members/invitations", url.Values{"email": {"x@example.com"}, "role": {"viewer"}}).wantStatus(t, http.StatusForbidden)
		bob.post("/members/invitations", url.Values{"email": {"vic@example.com"}, "role": {"viewer"}}).
			wantStatus(t, http.StatusConflict).wantBody(t, "vic@example.com is already a member")
		bob.post("/members/invitations", url.Values{"email": {"x@example.com"}, "role": {"owner"}}).
			wantStatus(t, http.StatusUnprocessableEntity)

		// A new person signs up from the link (email prefilled) and joins.
		newcomer := e.client()
		newcomer.get(strings.TrimPrefix(newLink, e.srv.URL)).wantStatus(t, http.StatusOK)
		newcomer.post("/invite/"+newTok+"/signup", url.Values{"email": {"new@example.com"}, "password": {goodPassword}}).wantRedirect(t, "/")
		if r := memberRole(t, s, bobWS, "new@example.com"); r != "viewer" {
			t.Errorf("the newcomer's role: %q", r)
		}
		newcomer.get("/").wantBody(t, "You joined", "bob@example.com&#39;s workspace")
		// Used: a second try changes nothing.
		other := e.client()
		other.get("/invite/"+newTok).wantStatus(t, http.StatusGone).wantBody(t, "already been used")
		other.post("/invite/"+newTok+"/signup", url.Values{"email": {"late@example.com"}, "password": {goodPassword}}).
			wantStatus(t, http.StatusGone)
		if _, err := s.UserByEmail(ctx, "late@example.com"); err == nil {
			t.Error("a used link made an account")
		}

		// An existing account logs in from the link and joins; wrong
		// password first, which changes nothing.
		amy := e.client()
		// The API's invitation replaced the page's: the page's link is revoked.
		amy.get("/invite/"+amyTok).wantStatus(t, http.StatusGone).wantBody(t, "revoked")
		amyAPITok := withAcct["url"].(string)[strings.Index(withAcct["url"].(string), "/invite/")+len("/invite/"):]
		amy.post("/invite/"+amyAPITok+"/login", url.Values{"login_email": {"amy@example.com"}, "login_password": {"wrong password"}}).
			wantStatus(t, http.StatusUnauthorized).wantBody(t, "Incorrect email or password")
		if r := memberRole(t, s, bobWS, "amy@example.com"); r != "" {
			t.Errorf("a failed log-in joined as %q", r)
		}
		amy.post("/invite/"+amyAPITok+"/login", url.Values{"login_email": {"amy@example.com"}, "login_password": {goodPassword}}).wantRedirect(t, "/")
		if r := memberRole(t, s, bobWS, "amy@example.com"); r != "operator" {
			t.Errorf("amy's role: %q", r)
		}

		// Someone signed in joins with one click; a member is told so and
		// the link stays unused.
		ken := e.loggedIn("ken@example.com")
		_, kenTok, _ := bob.invite(t, "ken@example.com", "admin")
		ken.get("/invite/"+kenTok).wantStatus(t, http.StatusOK).wantBody(t, "Join as <bdi>ken@example.com</bdi>")
		vic.post("/invite/"+kenTok+"/accept", nil).wantStatus(t, http.StatusConflict).wantBody(t, "already a member")
		ken.post("/invite/"+kenTok+"/accept", nil).wantRedirect(t, "/")
		if r := memberRole(t, s, bobWS, "ken@example.com"); r != "admin" {
			t.Errorf("ken's role: %q", r)
		}
		ken.get("/").wantBody(t, "You joined")

		// Revoked from the members page: the link then changes nothing.
		_, zedTok, page := bob.invite(t, "zed@example.com", "admin")
		page.wantBody(t, "Pending invitations", "zed@example.com")
		id := regexp.MustCompile(`/members/invitations/(\d+)/revoke" data-confirm="Revoke the invitation of \x{2068}zed`).FindStringSubmatch(page.body)
		if id == nil {
			t.Fatalf("no revoke button for zed:\n%s", page.body)
		}
		vic.post("/members/invitations/"+id[1]+"/revoke", nil).wantStatus(t, http.StatusForbidden)
		bob.post("/members/invitations/"+id[1]+"/revoke", nil).wantRedirect(t, "/members")
		bob.get("/members").wantNoBody(t, "zed@example.com")
		zed := e.client()
		zed.get("/invite/"+zedTok).wantStatus(t, http.StatusGone).wantBody(t, "was revoked", "Nothing was changed")
		zed.post("/invite/"+zedTok+"/signup", url.Values{"email": {"zed@example.com"}, "password": {goodPassword}}).wantStatus(t, http.StatusGone)
		if _, err := s.UserByEmail(ctx, "zed@example.com"); err == nil {
			t.Error("a revoked link made an account")
		}
		e.client().get("/invite/not-a-token").wantStatus(t, http.StatusNotFound).wantBody(t, "not valid")

		// The audit log tells it all.
		bob.get("/audit").wantBody(t, "Member invited", "Invitation revoked", "Invitation accepted (member joined)")
	})
}

// TestInvitationWithClosedSignup: an invitation admits its holder where
// anyone else is refused an account.
func TestInvitationWithClosedSignup(t *testing.T) {
	s := storetest.SQLite(t)
	e := newEnv(t, s, signupClosed())
	bob := e.client()
	if _, err := e.users.Create(context.Background(), users.NewUser{Email: "bob@example.com", Password: goodPassword}); err != nil {
		t.Fatal(err)
	}
	bob.logIn("bob@example.com", goodPassword).wantStatus(t, http.StatusSeeOther)
	_, tok, _ := bob.invite(t, "new@example.com", "operator")
	e.client().signUp("other@example.com", goodPassword).wantStatus(t, http.StatusForbidden)
	newcomer := e.client()
	newcomer.post("/invite/"+tok+"/signup", url.Values{"email": {"new@example.com"}, "password": {goodPassword}}).wantRedirect(t, "/")
	newcomer.get("/").wantBody(t, "You joined")
}

// TestInvitationEmailed: with SMTP, the link on the page is the one the
// invited address receives.
func TestInvitationEmailed(t *testing.T) {
	srv := mailtest.Start(t, "tg", "secret")
	m, err := mail.Parse(srv.URL("Telegramate <noreply@example.com>"), "")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, storetest.SQLite(t), withDeps(func(d *web.Deps) { d.Mailer = m }))
	bob := e.loggedIn("bob@example.com")
	bob.get("/members").wantBody(t, "is emailed to them")
	link, _, page := bob.invite(t, "new@example.com", "operator")
	page.wantBody(t, "The link was emailed to them")
	select {
	case msg := <-srv.Messages:
		if msg.User != "tg" || len(msg.To) != 1 || msg.To[0] != "new@example.com" || !strings.Contains(msg.Data, link) {
			t.Errorf("email %+v lacks %s", msg, link)
		}
	default: // the server keeps a message before it answers DATA, before the page
		t.Fatal("no email sent")
	}
}
