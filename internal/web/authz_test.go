package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/audit"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/web/ui"
	"github.com/telegramate/telegramate/internal/workspaces"
)

// An authorization fixture says how to call one route as another user: the
// kind of object its {id} names (one of Bob's, made by bobsObjects), and a
// form or JSON body that passes input checks, so that only ownership can
// refuse it. Every UI and API route must have one: a new route fails
// TestEveryRouteIsAuthorized with "add a fixture for route X" until its
// author says here how it is reached.
type fixture struct {
	// id is the kind of object {id} names: "account", "extraction",
	// "list", "token", "session", "campaign", "conversation"; "" for a
	// route without one.
	id string
	// form is posted to a UI route; body is sent as JSON to an API route.
	form url.Values
	body string
	// public says anyone may open the route, logged in or not.
	public bool
	// query is added to the path (e.g. an export's ?format=).
	query string
	// skipOwner explains why the other-user check does not apply (the
	// path names no one's object).
	skipOwner string
	// role is the least role that may use the route in its workspace
	// ("": any member, a viewer); TestEveryRouteChecksRoles refuses every
	// role below it with 403 and lets this one through.
	role actor.Role
	// skipAllowed explains why the route is not sent with its least role
	// (it would end the caller's session or the workspace the test uses;
	// the test named covers it).
	skipAllowed string
	// skipOtherRole explains why TestEveryRouteChecksRoles does not send
	// the route in another workspace.
	skipOtherRole string
}

var uiFixtures = map[string]fixture{
	"GET /{$}":                         {skipOwner: "no object"},
	"GET /accounts":                    {skipOwner: "lists the caller's own"},
	"GET /accounts/connect":            {skipOwner: "no object", role: actor.Admin},
	"POST /accounts/connect":           {skipOwner: "creates one", role: actor.Admin},
	"GET /accounts/{id}":               {id: "account"},
	"GET /accounts/{id}/code":          {id: "account", role: actor.Admin},
	"POST /accounts/{id}/code":         {id: "account", form: url.Values{"code": {"12345"}}, role: actor.Admin},
	"POST /accounts/{id}/resend-code":  {id: "account", role: actor.Admin},
	"POST /accounts/{id}/cancel-login": {id: "account", role: actor.Admin},
	"GET /accounts/{id}/password":      {id: "account", role: actor.Admin},
	"POST /accounts/{id}/password":     {id: "account", form: url.Values{"password": {"a password"}}, role: actor.Admin},
	"GET /accounts/{id}/rotate":        {id: "account", role: actor.Admin},
	"POST /accounts/{id}/rotate": {id: "account", role: actor.Admin, form: url.Values{
		"api_id": {"2000009"}, "api_hash": {"0123456789abcdef0123456789abcdef"}}},
	"POST /accounts/{id}/relogin":                   {id: "account", role: actor.Admin},
	"POST /accounts/{id}/reset-limit":               {id: "account", role: actor.Admin},
	"GET /accounts/{id}/sessions":                   {id: "account", role: actor.Admin},
	"POST /accounts/{id}/sessions/{hash}/terminate": {id: "account", role: actor.Admin},
	"GET /accounts/{id}/disconnect":                 {id: "account", role: actor.Admin},
	"POST /accounts/{id}/disconnect":                {id: "account", role: actor.Admin},
	"GET /member-lists":                             {skipOwner: "lists the caller's own"},
	"POST /member-lists/merge":                      {id: "list", form: url.Values{"name": {"merged"}, "list": {"{list}", "{list2}"}}, role: actor.Operator},
	"GET /member-lists/{id}":                        {id: "list"},
	"GET /member-lists/{id}/export":                 {id: "list", query: "?format=csv"},
	"POST /member-lists/{id}/delete":                {id: "list", role: actor.Operator},
	"GET /extractions/new":                          {skipOwner: "no object", role: actor.Operator},
	"POST /extractions":                             {skipOwner: "starts only with a job queue, which this test's app lacks; extract's tests refuse another user's account", role: actor.Operator},
	"POST /extractions/chats/refresh":               {id: "account", role: actor.Operator},
	"GET /extractions/{id}":                         {id: "extraction"},
	"GET /extractions/{id}/events":                  {id: "extraction"},
	"POST /extractions/{id}/cancel":                 {id: "extraction", role: actor.Operator},
	"GET /campaigns":                                {skipOwner: "lists the caller's own"},
	"GET /campaigns/new":                            {skipOwner: "no object", role: actor.Operator},
	"GET /campaigns/new/lists":                      {skipOwner: "searches the caller's own lists; TestPickersAreBounded offers none of another user's", role: actor.Operator},
	"POST /campaigns":                               {id: "account", form: url.Values{"name": {"c"}, "message": {"hi"}, "sender": {"{account}"}, "recipients": {"@someone"}}, role: actor.Operator},
	"POST /campaigns/preview":                       {skipOwner: "renders the posted text only", role: actor.Operator},
	"POST /campaigns/test-send":                     {skipOwner: "answers htmx with a fragment (200); ui's TestCampaignTestSendRefusesOthersAccount refuses another user's account", role: actor.Operator},
	"GET /campaigns/{id}":                           {id: "campaign"},
	"GET /campaigns/{id}/events":                    {id: "campaign"},
	"GET /campaigns/{id}/deliveries.csv":            {id: "campaign"},
	"GET /campaigns/{id}/deliveries.json":           {id: "campaign"},
	"POST /campaigns/{id}/start":                    {id: "campaign", role: actor.Operator},
	"POST /campaigns/{id}/pause":                    {id: "campaign", role: actor.Operator},
	"POST /campaigns/{id}/resume":                   {id: "campaign", role: actor.Operator},
	"POST /campaigns/{id}/cancel":                   {id: "campaign", role: actor.Operator},
	"GET /inbox":                                    {skipOwner: "lists the caller's own"},
	"GET /inbox/campaigns":                          {skipOwner: "searches the caller's own campaigns; TestPickersAreBounded offers none of another user's"},
	"GET /inbox/events":                             {skipOwner: "streams the caller's own list"},
	"GET /inbox/{id}":                               {id: "conversation"},
	"GET /inbox/{id}/events":                        {id: "conversation"},
	"GET /inbox/{id}/messages/{message_id}/media":   {id: "conversation"},
	"POST /inbox/{id}/messages":                     {id: "conversation", form: url.Values{"text": {"hello"}}, role: actor.Operator},
	"POST /inbox/{id}/preview":                      {id: "conversation", form: url.Values{"text": {"hello"}}, role: actor.Operator},
	"POST /inbox/{id}/done":                         {id: "conversation", role: actor.Operator},
	"POST /inbox/{id}/reopen":                       {id: "conversation", role: actor.Operator},
	"POST /inbox/{id}/assign":                       {id: "conversation", form: url.Values{"user_id": {""}}, role: actor.Operator},
	"POST /inbox/{id}/notes":                        {id: "conversation", form: url.Values{"text": {"hello"}}, role: actor.Operator},
	"POST /inbox/{id}/typing":                       {id: "conversation", role: actor.Operator},
	"GET /suppressions":                             {skipOwner: "lists the caller's own"},
	"POST /suppressions":                            {skipOwner: "adds to the caller's own list", role: actor.Operator},
	"POST /suppressions/remove":                     {skipOwner: "removes from the caller's own list", role: actor.Operator},
	"POST /suppressions/import":                     {skipOwner: "adds to the caller's own list", role: actor.Operator},
	"GET /suppressions/export.csv":                  {skipOwner: "the caller's own list"},
	"GET /help":                                     {skipOwner: "the same for everyone"},
	"GET /help/{topic}":                             {skipOwner: "the same for everyone"},
	"GET /settings":                                 {skipOwner: "the caller's own"},
	"POST /settings/password":                       {skipOwner: "the caller's own"},
	"POST /settings/sessions/{id}/end":              {id: "session", skipAllowed: "the caller's own sessions: no workspace role"},
	"POST /settings/sessions/end-all":               {skipOwner: "the caller's own", skipAllowed: "would end the caller's session"},
	"GET /webhooks":                                 {skipOwner: "lists the caller's own"},
	"GET /webhooks/events":                          {skipOwner: "streams the caller's own webhooks"},
	"POST /webhooks":                                {skipOwner: "creates one", role: actor.Admin},
	"POST /webhooks/{id}/test":                      {id: "webhook", role: actor.Admin},
	"POST /webhooks/{id}/delete":                    {id: "webhook", role: actor.Admin},
	"POST /webhooks/{id}/enable":                    {id: "webhook", role: actor.Admin},
	"GET /audit":                                    {skipOwner: "the caller's own workspace's log"},
	"GET /audit/export.csv":                         {skipOwner: "the caller's own workspace's log"},
	"GET /tokens":                                   {skipOwner: "lists the caller's own"},
	"POST /workspace":                               {id: "workspace", form: url.Values{"workspace_id": {"{workspace}"}}, skipOtherRole: "the role matrix's members belong to Bob's workspace too"},
	"POST /workspace/delete":                        {skipOwner: "the caller's own workspace", role: actor.Owner, skipAllowed: "deletes the workspace; TestWorkspaceLife covers it"},
	"POST /workspaces":                              {skipOwner: "creates one"},
	"GET /members":                                  {skipOwner: "lists the caller's own"},
	"POST /members/{user_id}/role":                  {id: "member", form: url.Values{"role": {"operator"}}, role: actor.Admin},
	"POST /members/{user_id}/remove":                {id: "member", role: actor.Admin},
	"POST /members/{user_id}/transfer":              {id: "member", role: actor.Owner, skipAllowed: "moves the ownership the test relies on; TestWorkspaceLife covers it"},
	"POST /members/invitations":                     {skipOwner: "invites to the caller's own workspace", form: url.Values{"email": {"new@example.com"}, "role": {"viewer"}}, role: actor.Admin},
	"POST /members/invitations/{id}/revoke":         {id: "invitation", role: actor.Admin},
	"POST /invite/{token}/accept":                   {skipOwner: "the token is the credential, no one's object; TestInvitationFlow covers it"},
	"GET /invite/{token}":                           {public: true, skipOwner: "public"},
	"POST /invite/{token}/signup":                   {public: true, skipOwner: "public"},
	"POST /invite/{token}/login":                    {public: true, skipOwner: "public"},
	"POST /tokens":                                  {skipOwner: "creates one", role: actor.Admin},
	"POST /tokens/{id}/revoke":                      {id: "token", role: actor.Admin},
	"/admin/jobs":                                   {skipOwner: "admin page"},
	"/admin/jobs/":                                  {skipOwner: "admin page"},
	"GET /login":                                    {public: true, skipOwner: "public"},
	"POST /login":                                   {public: true, skipOwner: "public"},
	"GET /signup":                                   {public: true, skipOwner: "public"},
	"POST /signup":                                  {public: true, skipOwner: "public"},
	"POST /logout":                                  {public: true, skipOwner: "public"},
	"/":                                             {public: true, skipOwner: "public"},
}

var apiFixtures = map[string]fixture{
	"GET /me":                                             {skipOwner: "the caller's own"},
	"GET /accounts":                                       {skipOwner: "lists the caller's own"},
	"POST /accounts":                                      {skipOwner: "creates one", role: actor.Admin},
	"GET /accounts/{id}":                                  {id: "account"},
	"DELETE /accounts/{id}":                               {id: "account", role: actor.Admin},
	"POST /accounts/{id}/code":                            {id: "account", body: `{"code":"12345"}`, role: actor.Admin},
	"POST /accounts/{id}/password":                        {id: "account", body: `{"password":"a password"}`, role: actor.Admin},
	"POST /accounts/{id}/resend-code":                     {id: "account", role: actor.Admin},
	"POST /accounts/{id}/cancel-login":                    {id: "account", role: actor.Admin},
	"POST /accounts/{id}/rotate":                          {id: "account", body: `{"api_id":2000009,"api_hash":"0123456789abcdef0123456789abcdef"}`, role: actor.Admin},
	"POST /accounts/{id}/relogin":                         {id: "account", role: actor.Admin},
	"POST /accounts/{id}/reset-limit":                     {id: "account", role: actor.Admin},
	"GET /accounts/{id}/activity":                         {id: "account"},
	"GET /accounts/{id}/sessions":                         {id: "account", role: actor.Admin},
	"DELETE /accounts/{id}/sessions/{hash}":               {id: "account", role: actor.Admin},
	"GET /accounts/{id}/chats":                            {id: "account"},
	"POST /accounts/{id}/chats/refresh":                   {id: "account", role: actor.Operator},
	"POST /extractions":                                   {body: `{"account_id":{account},"chat_id":5001}`, skipOwner: "starts only with a job queue, which this test's app lacks; extract's tests refuse another user's account", role: actor.Operator},
	"DELETE /accounts/{id}/login":                         {id: "account", role: actor.Admin},
	"GET /extractions":                                    {skipOwner: "lists the caller's own"},
	"GET /extractions/{id}":                               {id: "extraction"},
	"POST /extractions/{id}/cancel":                       {id: "extraction", role: actor.Operator},
	"GET /extractions/{id}/members":                       {id: "extraction"},
	"GET /member-lists":                                   {skipOwner: "lists the caller's own"},
	"GET /member-lists/{id}":                              {id: "list"},
	"DELETE /member-lists/{id}":                           {id: "list", role: actor.Operator},
	"GET /member-lists/{id}/members":                      {id: "list"},
	"POST /member-lists/merge":                            {id: "list", body: `{"name":"merged","list_ids":[{list},{list2}]}`, role: actor.Operator},
	"GET /accounts/{id}/chats/{chat}/members":             {id: "account"},
	"POST /campaigns":                                     {id: "account", body: `{"name":"c","message":"hi","audience":{"usernames":["someone"]},"sender_account_ids":[{account}]}`, role: actor.Operator},
	"GET /campaigns":                                      {skipOwner: "lists the caller's own"},
	"GET /campaigns/{id}":                                 {id: "campaign"},
	"POST /campaigns/{id}/start":                          {id: "campaign", role: actor.Operator},
	"POST /campaigns/{id}/pause":                          {id: "campaign", role: actor.Operator},
	"POST /campaigns/{id}/resume":                         {id: "campaign", role: actor.Operator},
	"POST /campaigns/{id}/cancel":                         {id: "campaign", role: actor.Operator},
	"GET /campaigns/{id}/deliveries":                      {id: "campaign"},
	"GET /campaigns/{id}/replies":                         {id: "campaign"},
	"POST /campaigns/preview":                             {skipOwner: "renders the posted text only"},
	"POST /campaigns/test-send":                           {id: "account", body: `{"account_id":{account},"message":"hi"}`, role: actor.Operator},
	"GET /suppressions":                                   {skipOwner: "lists the caller's own"},
	"POST /suppressions":                                  {skipOwner: "adds to the caller's own list", role: actor.Operator},
	"POST /suppressions/import":                           {skipOwner: "adds to the caller's own list", role: actor.Operator},
	"DELETE /suppressions/{user_id}":                      {skipOwner: "removes from the caller's own list", role: actor.Operator},
	"GET /conversations":                                  {skipOwner: "lists the caller's own"},
	"GET /conversations/{id}/messages":                    {id: "conversation"},
	"GET /conversations/{id}/messages/{message_id}/media": {id: "conversation"},
	"POST /conversations/{id}/messages":                   {id: "conversation", body: `{"text":"hello"}`, role: actor.Operator},
	"POST /conversations/{id}/done":                       {id: "conversation", role: actor.Operator},
	"POST /conversations/{id}/reopen":                     {id: "conversation", role: actor.Operator},
	"POST /conversations/{id}/assign":                     {id: "conversation", body: `{"user_id":null}`, role: actor.Operator},
	"GET /conversations/{id}/notes":                       {id: "conversation"},
	"POST /conversations/{id}/notes":                      {id: "conversation", body: `{"text":"hello"}`, role: actor.Operator},
	"GET /webhooks":                                       {skipOwner: "lists the caller's own"},
	"POST /webhooks":                                      {skipOwner: "creates one", role: actor.Admin, body: `{"url":"https://example.com/hook","events":["delivery.sent"]}`},
	"DELETE /webhooks/{id}":                               {id: "webhook", role: actor.Admin},
	"GET /webhooks/{id}/deliveries":                       {id: "webhook"},
	"POST /webhooks/{id}/test":                            {id: "webhook", role: actor.Admin},
	"POST /webhooks/{id}/enable":                          {id: "webhook", role: actor.Admin},
	"GET /workspaces":                                     {skipOwner: "lists the caller's own"},
	"POST /workspaces":                                    {skipOwner: "creates one", body: `{"name":"New"}`},
	"GET /workspaces/{id}/members":                        {id: "workspace", skipOtherRole: "the path names the workspace, and the matrix's members belong to Bob's"},
	"PATCH /workspaces/{id}/members/{user_id}": {id: "workspace", body: `{"role":"operator"}`, role: actor.Admin,
		skipOtherRole: "the path names the workspace, and the matrix's members belong to Bob's"},
	"DELETE /workspaces/{id}/members/{user_id}": {id: "workspace", role: actor.Admin,
		skipOtherRole: "the path names the workspace, and the matrix's members belong to Bob's"},
	"POST /workspaces/{id}/invitations": {id: "workspace", body: `{"email":"new@example.com","role":"viewer"}`, role: actor.Admin,
		skipOtherRole: "the path names the workspace, and the matrix's members belong to Bob's"},
	"POST /workspaces/{id}/members": {id: "workspace", body: `{"email":"new@example.com","role":"viewer"}`, role: actor.Admin,
		skipOtherRole: "the path names the workspace, and the matrix's members belong to Bob's"},
	"GET /workspaces/{id}/invitations": {id: "workspace", skipOtherRole: "the path names the workspace, and the matrix's members belong to Bob's"},
	"DELETE /workspaces/{id}/invitations/{invitation_id}": {id: "workspace", role: actor.Admin,
		skipOtherRole: "the path names the workspace, and the matrix's members belong to Bob's"},
	"POST /invitations/accept": {skipOwner: "the token is the credential, no one's object; TestInvitationFlow covers it", body: `{"token":"not-a-token"}`},
	"GET /audit":               {skipOwner: "the caller's own workspace's log"},
}

// bobsObjects makes one object of each kind for another user.
func bobsObjects(t *testing.T, e *env, bob *client) map[string]string {
	t.Helper()
	ctx := context.Background()
	u, err := e.store.UserByEmail(ctx, "bob@example.com")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	mine, err := e.store.UserWorkspaces(ctx, u.ID)
	if err != nil || len(mine) != 1 {
		t.Fatalf("bob's workspaces: %v %v", mine, err)
	}
	// Owned rows are keyed by the workspace (see store.Workspace).
	ws := mine[0].ID
	acct, err := e.store.CreateAccount(ctx, ws, store.AccountLogin{APIID: 2000001, APIHashSealed: []byte("x"), Phone: "99966100001",
		TGUserID: 777, FirstName: "Bob", SessionSealed: []byte("x"), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := e.store.CreateExtraction(ctx, store.NewExtraction{UserID: ws, AccountID: acct.ID,
		Chat: store.Chat{TGChatID: 5001, Kind: store.ChatSupergroup, Title: "Bob's group"}, ListName: "Bob's list", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	ex2, err := e.store.CreateExtraction(ctx, store.NewExtraction{UserID: ws, AccountID: acct.ID,
		Chat: store.Chat{TGChatID: 5002, Kind: store.ChatSupergroup, Title: "Bob's other group"}, ListName: "Bob's other list", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	camp, err := e.store.CreateCampaign(ctx, store.NewCampaign{
		Campaign: store.Campaign{UserID: ws, Name: "Bob's campaign", Message: "hi", Status: store.CampaignDraft,
			MinIntervalSeconds: 30, DailyCap: 50, FailurePercent: 10, CreatedAt: now, SenderIDs: []int64{acct.ID}},
		Deliveries: []store.NewDelivery{{AccountID: acct.ID, TGUserID: 9001, Username: "someone", State: store.DeliveryPending, RandomID: 1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	conv, _, err := e.store.UpsertConversation(ctx, store.ConversationPeer{UserID: ws, AccountID: acct.ID, TGUserID: 9002,
		FirstName: "Bob's friend", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	hook, err := e.store.CreateWebhookEndpoint(ctx, store.NewWebhookEndpoint{UserID: ws, URL: "https://bob.example/hook",
		SecretSealed: []byte("x"), Events: []string{"delivery.sent"}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	// Tom is a viewer in Bob's workspace: the members routes act on him.
	tom, err := e.store.CreateUser(ctx, store.NewUser{Email: "tom@example.com", PasswordHash: "x", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.AddWorkspaceMember(ctx, ws, tom.ID, "viewer", now); err != nil {
		t.Fatal(err)
	}
	_, tok, err := e.tokens.Create(ctx, u.ID, "bob's")
	if err != nil {
		t.Fatal(err)
	}
	invID, err := e.store.CreateInvitation(ctx, store.NewInvitation{WorkspaceID: ws, Email: "zoe@example.com", Role: "viewer",
		TokenHash: []byte("bob's invitation"), InvitedBy: u.ID, Now: now, ExpiresAt: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := e.users.Sessions(ctx, u.ID)
	if err != nil || len(sessions) == 0 {
		t.Fatalf("bob's sessions: %v %v", sessions, err)
	}
	return map[string]string{
		"account":      fmt.Sprint(acct.ID),
		"extraction":   fmt.Sprint(ex.ID),
		"list":         fmt.Sprint(ex.ListID),
		"list2":        fmt.Sprint(ex2.ListID),
		"token":        fmt.Sprint(tok.ID),
		"campaign":     fmt.Sprint(camp.ID),
		"conversation": fmt.Sprint(conv.ID),
		"session":      sessions[0].Token,
		"webhook":      fmt.Sprint(hook.ID),
		"workspace":    fmt.Sprint(ws),
		"member":       fmt.Sprint(tom.ID),
		"invitation":   fmt.Sprint(invID),
	}
}

var param = regexp.MustCompile(`\{[a-z_]+\}`)

// fill puts Bob's object into {id} and something harmless into the rest.
func fill(path string, f fixture, ids map[string]string) string {
	path = strings.TrimSuffix(path, "{$}")
	return param.ReplaceAllStringFunc(path, func(p string) string {
		switch p {
		case "{id}":
			if v := ids[f.id]; v != "" {
				return v
			}
			return "1"
		case "{invitation_id}":
			return ids["invitation"]
		case "{topic}":
			return "connect"
		case "{user_id}":
			// The members routes act on Tom, a member of Bob's workspace.
			if f.id == "member" || f.id == "workspace" {
				return ids["member"]
			}
		}
		return "1"
	})
}

// fillIDs replaces {account}, {list}, … in a fixture's values with Bob's.
func fillIDs(s string, ids map[string]string) string {
	for kind, id := range ids {
		s = strings.ReplaceAll(s, "{"+kind+"}", id)
	}
	return s
}

func fillForm(form url.Values, ids map[string]string) url.Values {
	out := url.Values{}
	for k, vs := range form {
		for _, v := range vs {
			out.Add(k, fillIDs(v, ids))
		}
	}
	return out
}

func splitPattern(p string) (method, path string) {
	if m, rest, ok := strings.Cut(p, " "); ok {
		return m, rest
	}
	return http.MethodGet, p
}

// TestEveryRouteIsAuthorized walks the routes the UI and the API register
// themselves: without a session or token every private route sends to the
// log-in page or answers 401; another user's object is "not found";
// administrator pages refuse ordinary users.
func TestEveryRouteIsAuthorized(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		ann := e.loggedIn("ann@example.com")
		bob := e.loggedIn("bob@example.com")
		ids := bobsObjects(t, e, bob)
		annToken := ann.createToken(t, "authz")

		h, err := ui.New(ui.Deps{Users: e.deps.Users, Tokens: e.deps.Tokens, Workspaces: workspaces.New(s), Sessions: ui.NewSessions(s, false),
			AccountService: e.deps.AccountService, Extract: e.deps.Extract, Campaigns: e.deps.Campaigns, Inbox: e.deps.Inbox,
			Webhooks: e.deps.Webhooks, Audit: audit.New(s)})
		if err != nil {
			t.Fatal(err)
		}
		h.Register(http.NewServeMux())
		routes := h.Routes()
		if len(routes) < 30 {
			t.Fatalf("only %d UI routes listed", len(routes))
		}
		for _, r := range routes {
			f, ok := uiFixtures[r.Pattern]
			if !ok {
				t.Errorf("add a fixture for route %q to uiFixtures in %s", r.Pattern, "internal/web/authz_test.go")
				continue
			}
			method, path := splitPattern(r.Pattern)
			if (r.Access == ui.AccessPublic) != f.public {
				t.Errorf("route %q is %s but its fixture says public=%v", r.Pattern, r.Access, f.public)
				continue
			}
			if f.public {
				continue
			}
			target := fill(path, f, ids) + f.query
			f.form = fillForm(f.form, ids)
			anon := e.client()
			resp := anon.send(method, target, f.form)
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
				t.Errorf("%s %s without a session: %d to %q, want a redirect to /login", method, target, resp.StatusCode, resp.Header.Get("Location"))
			}
			if r.Access == ui.AccessAdmin {
				if resp := ann.send(method, target, f.form); resp.StatusCode != http.StatusForbidden {
					t.Errorf("%s %s as an ordinary user: %d, want 403", method, target, resp.StatusCode)
				}
				continue
			}
			if f.skipOwner != "" {
				continue
			}
			if f.id == "" || ids[f.id] == "" {
				t.Errorf("fixture for %q names no object kind bobsObjects makes (%q)", r.Pattern, f.id)
				continue
			}
			if resp := ann.send(method, target, f.form); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s %s with Bob's %s as Ann: %d, want 404\n%.300s", method, target, f.id, resp.StatusCode, resp.body)
			}
		}

		// The API lists its operations in its OpenAPI document.
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
					continue // declared public
				}
				ops = append(ops, strings.ToUpper(m)+" "+path)
			}
		}
		sort.Strings(ops)
		if len(ops) < 10 {
			t.Fatalf("only %d API operations listed", len(ops))
		}
		for _, op := range ops {
			f, ok := apiFixtures[op]
			if !ok {
				t.Errorf("add a fixture for route %q to apiFixtures in %s", op, "internal/web/authz_test.go")
				continue
			}
			method, path := splitPattern(op)
			target := "/api/v1" + fill(path, f, ids) + f.query
			f.body = fillIDs(f.body, ids)
			if resp := e.client().sendJSON(method, target, "", f.body); resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s %s without a token: %d, want 401", method, target, resp.StatusCode)
			}
			if f.skipOwner != "" {
				continue
			}
			if resp := e.client().sendJSON(method, target, annToken, f.body); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s %s with Bob's %s as Ann: %d, want 404\n%.300s", method, target, f.id, resp.StatusCode, resp.body)
			}
		}
	})
}

// send makes a same-origin request with a form (POST) or none (GET).
func (c *client) send(method, path string, form url.Values) response {
	c.e.t.Helper()
	if method == http.MethodGet {
		return c.get(path)
	}
	if form == nil {
		form = url.Values{}
	}
	req, _ := http.NewRequest(method, c.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", c.e.srv.URL)
	return c.do(req)
}

func (c *client) sendJSON(method, path, token, body string) response {
	c.e.t.Helper()
	var rd *strings.Reader
	if body == "" && (method == http.MethodPost || method == http.MethodPut) {
		body = "{}"
	}
	rd = strings.NewReader(body)
	req, _ := http.NewRequest(method, c.e.srv.URL+path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return c.do(req)
}
