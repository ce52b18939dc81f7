package a11y_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/chromedp/chromedp"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/audit"
	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/extract"
	"github.com/telegramate/telegramate/internal/inbox"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
	"github.com/telegramate/telegramate/internal/testkit/axe"
	"github.com/telegramate/telegramate/internal/tokens"
	"github.com/telegramate/telegramate/internal/users"
	"github.com/telegramate/telegramate/internal/web/ui"
	"github.com/telegramate/telegramate/internal/webhook"
	"github.com/telegramate/telegramate/internal/workspaces"
)

// notOurs are GET routes whose pages this project does not write, with why.
var notOurs = map[string]string{
	"/admin/jobs":  "River's own UI, for instance administrators",
	"/admin/jobs/": "River's own UI, for instance administrators",
}

// parts are GET routes that answer a part of a page (htmx swaps it in):
// axe checks them inside the page, in the states checkPickers makes.
var parts = map[string]string{
	"GET /campaigns/new/lists": "the campaign editor's member-list picker as a search narrows it",
	"GET /inbox/campaigns":     "the inbox's campaign filter as a search narrows it",
}

// perPattern bounds how many pages of one pattern are checked (say, three
// accounts in different states), so the test's time does not grow with
// the content.
const perPattern = 4

type viewport struct {
	name          string
	width, height int64
	mobile        bool
}

var viewports = []viewport{{"desktop", 1280, 900, false}, {"phone", 390, 844, true}}

// TestEveryPageMeetsWCAG21AA runs axe-core on every page the UI registers,
// logged out and logged in with realistic content, at a desktop's and a
// phone's width, and on the error state of every form (each submitted with
// its fields empty); any critical or serious WCAG 2.1 AA violation fails
// it. Pages are found from the route list and the links of the pages
// themselves, so a new page is checked without anyone adding it here; a
// route no page links to fails the test until something does.
func TestEveryPageMeetsWCAG21AA(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	b := testkit.NewBrowser(t)
	ck := newChecker(t, a, b)
	b.Load(chromedp.Navigate(a.URL + "/login")) // the checks fetch from a page of the app

	// Logged out: the log-in and sign-up pages, a page that does not exist,
	// and the error states of their forms.
	ck.visit(a.URL+"/login", "GET /login")
	ck.visit(a.URL+"/signup", "GET /signup")
	ck.visit(a.URL+"/no-such-page", "/")
	ck.checkForms()

	b.Viewport(1280, 900, false)
	signUp(b, a.URL, "ann@example.com")
	c := a.APIAs(t, "ann@example.com")
	content(t, c)
	// An invitation's page is reached from a link passed on by mail or by
	// hand, which no page of the app shows as a link: visit one.
	ck.visit(invitationLink(t, c), "GET /invite/{token}")

	for _, r := range ck.routes {
		if !strings.Contains(strings.TrimSuffix(r, "{$}"), "{") && r != "/" && notOurs[r] == "" && r != "GET /login" && r != "GET /signup" {
			ck.visit(a.URL+strings.TrimSuffix(strings.TrimPrefix(r, "GET "), "{$}"), r)
		}
	}
	for len(ck.queue) > 0 {
		u := ck.queue[0]
		ck.queue = ck.queue[1:]
		ck.visit(u.url, u.pattern)
	}
	ck.checkForms()
	ck.checkPickers()

	for _, r := range ck.routes {
		if notOurs[r] == "" && len(ck.seen[r]) == 0 {
			t.Errorf("no page links to %s, so it was not checked: give the test content that shows a link to it", r)
		}
	}
	ck.report()
}

type link struct{ url, pattern string }

type checker struct {
	t      *testing.T
	app    *apptest.App
	b      *testkit.Browser
	mux    *http.ServeMux
	routes []string // GET patterns of the UI

	seen    map[string][]string // pattern → URLs checked or queued
	visited map[string]bool
	queue   []link
	forms   map[string]bool // form actions' patterns already submitted
	pages   []link          // HTML pages checked, for their forms
	failed  map[string][]string
	checks  int
}

// newChecker lists the UI's routes from the UI itself. Register only
// records patterns and wraps handlers, so the services can be empty here.
func newChecker(t *testing.T, a *apptest.App, b *testkit.Browser) *checker {
	h, err := ui.New(ui.Deps{Users: &users.Service{}, Tokens: &tokens.Service{}, Workspaces: &workspaces.Service{}, Sessions: scs.New(),
		AccountService: &accounts.Service{}, Extract: &extract.Service{}, Campaigns: &campaign.Service{},
		Inbox: &inbox.Service{}, Webhooks: &webhook.Service{}, Audit: &audit.Log{}})
	if err != nil {
		t.Fatal(err)
	}
	h.Register(http.NewServeMux())
	ck := &checker{t: t, app: a, b: b, mux: http.NewServeMux(), seen: map[string][]string{}, visited: map[string]bool{},
		forms: map[string]bool{}, failed: map[string][]string{}}
	for _, r := range h.Routes() {
		ck.mux.HandleFunc(r.Pattern, func(http.ResponseWriter, *http.Request) {})
		if strings.HasPrefix(r.Pattern, "GET ") || !strings.Contains(r.Pattern, " ") {
			ck.routes = append(ck.routes, r.Pattern)
		}
	}
	if len(ck.routes) < 20 {
		t.Fatalf("only %d GET routes listed", len(ck.routes))
	}
	return ck
}

// pattern is the route that serves a URL of the app, "" for another site.
func (ck *checker) pattern(method, raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme+"://"+u.Host != ck.app.URL {
		return ""
	}
	_, p := ck.mux.Handler(&http.Request{Method: method, URL: u, Host: u.Host})
	return p
}

// visit checks a page at every width and queues the app's pages it links
// to. A URL that answers with something other than HTML (an export, an
// event stream) counts as reached and is not checked.
func (ck *checker) visit(raw, pattern string) {
	t, b := ck.t, ck.b
	t.Helper()
	if ck.visited[raw] {
		return
	}
	ck.visited[raw] = true
	if !slices.Contains(ck.seen[pattern], raw) {
		ck.seen[pattern] = append(ck.seen[pattern], raw)
	}
	if parts[pattern] != "" {
		return
	}
	b.Viewport(1280, 900, false)
	// fetch reads only the headers (then aborts, for event streams) and
	// follows redirects, so a link to a step that moved on (a login's code
	// page once the code is in) leads to the page it shows now.
	ans := testkit.Eval[[]string](b, fmt.Sprintf(`(() => { const c = new AbortController();
		return fetch(%q, {signal: c.signal}).then(r => { const a = [r.headers.get("Content-Type") || "", r.redirected ? r.url : ""]; c.abort(); return a; }); })()`, raw),
		chromedp.EvalAwaitPromise)
	if ans[1] != "" {
		if to := ck.pattern(http.MethodGet, ans[1]); to != "" && to != "/" && slices.Contains(ck.routes, to) && !ck.visited[ans[1]] {
			ck.visit(ans[1], to)
		}
		return
	}
	if !strings.HasPrefix(ans[0], "text/html") {
		t.Logf("%s answers %q: not a page", raw, ans[0])
		return
	}
	ck.pages = append(ck.pages, link{raw, pattern})
	for _, vp := range viewports {
		b.Viewport(vp.width, vp.height, vp.mobile)
		b.Load(chromedp.Navigate(raw))
		ck.check(pattern, raw, vp)
	}
	ck.follow()
}

// follow queues the app's pages the current page points to: links, live
// streams, htmx loads and GET forms.
func (ck *checker) follow() {
	urls := testkit.Eval[[]string](ck.b, `(() => {
		const out = [];
		for (const a of document.querySelectorAll("a[href]")) out.push(a.href);
		for (const e of document.querySelectorAll("[sse-connect]")) out.push(new URL(e.getAttribute("sse-connect"), location.href).href);
		for (const e of document.querySelectorAll("[hx-get]")) out.push(new URL(e.getAttribute("hx-get"), location.href).href);
		return out; })()`)
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil {
			continue
		}
		u.Fragment, u.RawQuery = "", ""
		p := ck.pattern(http.MethodGet, u.String())
		if p == "" || p == "/" || notOurs[p] != "" || !slices.Contains(ck.routes, p) {
			continue
		}
		if len(ck.seen[p]) >= perPattern || slices.Contains(ck.seen[p], u.String()) {
			continue
		}
		ck.seen[p] = append(ck.seen[p], u.String())
		ck.queue = append(ck.queue, link{u.String(), p})
	}
}

// check runs axe on the page the browser shows and keeps what fails.
func (ck *checker) check(pattern, raw string, vp viewport) {
	t, b := ck.t, ck.b
	t.Helper()
	b.WaitJS("the page loaded", `document.readyState === "complete"`, 10*time.Second)
	ck.checks++
	name := strings.NewReplacer(" ", "_", "/", "_", "{", "", "}", "", "$", "").Replace(pattern)
	b.Screenshot(name + "-" + vp.name)
	for _, v := range axe.Run(b) {
		if v.Serious() {
			key := fmt.Sprintf("%s at %s (%s)", v.ID, pattern, vp.name)
			if len(ck.failed[key]) == 0 {
				ck.failed[key] = []string{fmt.Sprintf("%s\n  on %s", v, testkit.Eval[string](b, "location.href"))}
			}
		}
	}
	_ = raw
}

// checkPickers checks the pages whose pickers a search narrows, after
// typing into the search (the part swapped in by htmx) and after a search
// that finds nothing.
func (ck *checker) checkPickers() {
	b := ck.b
	for _, pk := range []struct{ page, field, slot, pattern string }{
		{"/campaigns/new", "#list_q", "#list-picker", "GET /campaigns/new/lists"},
		{"/inbox", "#campaign_q", "#campaign-picker", "GET /inbox/campaigns"},
	} {
		for i, text := range []string{"a", "no such name at all"} {
			b.Viewport(1280, 900, false)
			b.Load(chromedp.Navigate(ck.app.URL + pk.page))
			b.WaitJS("the picker's search", fmt.Sprintf(`!!document.querySelector(%q)`, pk.field), 10*time.Second)
			b.Do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`window.swapped = false; document.body.addEventListener("htmx:afterSettle", e => { if (e.target.matches(%q)) window.swapped = true; })`, pk.slot)),
				chromedp.SendKeys(chromedp.CSS(pk.field), text))
			b.WaitJS("the picker narrowed", `window.swapped`, 10*time.Second)
			ck.check(pk.pattern, fmt.Sprintf("%s (search %d)", pk.page, i), viewports[0])
		}
	}
}

// checkForms submits each form of the pages checked so far once per
// action, with its text fields emptied and the browser's own checks off,
// so the server answers with its error state, and checks that page. Forms
// without a field to leave empty (a button that pauses, deletes, logs
// out) have no error state of this kind and are left alone.
func (ck *checker) checkForms() {
	t, b := ck.t, ck.b
	t.Helper()
	pages := ck.pages
	for _, pg := range pages {
		b.Viewport(1280, 900, false)
		b.Load(chromedp.Navigate(pg.url))
		actions := testkit.Eval[[]string](b, `Array.from(document.forms).map(f =>
			(f.method === "post" || f.getAttribute("hx-post")) && f.querySelector("input[type=text]:not([readonly]), input[type=email], input[type=password], input[type=number], input[type=tel], input[type=url], input[type=file], textarea")
			? (f.getAttribute("hx-post") ? new URL(f.getAttribute("hx-post"), location.href).href : f.action) : "")`)
		for i, action := range actions {
			p := ck.pattern(http.MethodPost, action)
			if action == "" || p == "" || ck.forms[p] {
				continue
			}
			ck.forms[p] = true
			for _, vp := range viewports {
				b.Viewport(vp.width, vp.height, vp.mobile)
				b.Load(chromedp.Navigate(pg.url))
				ck.submitEmpty(i)
				ck.check(p+" error", action, vp)
				ck.errorsTied(p, vp)
			}
		}
	}
}

// tiedErrors lists what is wrong with how a refused form says so: each
// field shown invalid must be marked aria-invalid and described by a
// message, and focus must be on the error shown at the top.
const tiedErrors = `(() => {
	const out = [];
	for (const f of document.querySelectorAll(".is-invalid")) {
		if (!f.matches("input, select, textarea")) continue;
		const name = "#" + (f.id || f.name);
		if (f.getAttribute("aria-invalid") !== "true") out.push(name + " is shown invalid but not aria-invalid");
		const said = (f.getAttribute("aria-describedby") || "").split(" ").map(id => document.getElementById(id)).filter(e => e && e.classList.contains("invalid-feedback") && e.innerText.trim());
		if (!said.length) out.push(name + " is not described by its error message");
	}
	const top = document.querySelector("#error-summary, #page-error");
	if (top && document.activeElement !== top) out.push("focus is on " + (document.activeElement ? document.activeElement.tagName + "#" + document.activeElement.id : "nothing") + ", not on the error at the top");
	return out;
})()`

// errorsTied checks the page of a refused form with tiedErrors.
func (ck *checker) errorsTied(pattern string, vp viewport) {
	for _, p := range testkit.Eval[[]string](ck.b, tiedErrors) {
		key := fmt.Sprintf("errors not tied to fields at %s error (%s)", pattern, vp.name)
		ck.failed[key] = append(ck.failed[key], p)
	}
}

// submitEmpty submits the page's i-th form with its text fields empty and
// waits for the answer: a new page, or htmx's swap.
func (ck *checker) submitEmpty(i int) {
	b := ck.b
	b.ExpectProblem("status of 4") // browsers log each 4xx page as an error
	b.Do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const f = document.forms[%d];
		f.noValidate = true;
		for (const e of f.querySelectorAll("input[type=text]:not([readonly]), input[type=email], input[type=password], input[type=number], input[type=tel], input[type=url], input[type=file], textarea")) e.value = "";
		window.axeOldPage = true;
		document.body.addEventListener("htmx:afterSettle", () => { window.axeSettled = true; });
		f.requestSubmit();
	})()`, i)))
	// The page is replaced while this polls, so an evaluation that fails
	// because of it counts as "not yet".
	var err error
	if !testkit.Until(20*time.Second, func() bool {
		ctx, cancel := context.WithTimeout(b.Ctx(), 5*time.Second)
		defer cancel()
		var done bool
		done, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`document.readyState === "complete" && (!window.axeOldPage || window.axeSettled === true)`))
		return err == nil && done
	}) {
		b.Screenshot("failed")
		ck.t.Fatalf("the form's answer did not come within 20s (last error: %v)", err)
	}
}

// report fails the test with each violation once, and saves them all.
func (ck *checker) report() {
	t := ck.t
	keys := make([]string, 0, len(ck.failed))
	for k := range ck.failed {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var all []string
	for _, k := range keys {
		all = append(all, k+":\n  "+strings.Join(ck.failed[k], "\n"))
	}
	if data, err := json.MarshalIndent(map[string]any{"checks": ck.checks, "violations": all}, "", "  "); err == nil {
		_ = os.WriteFile(filepath.Join(testkit.ArtifactDir(t), "axe.json"), data, 0o644)
	}
	t.Logf("axe checked %d page states", ck.checks)
	for _, v := range all {
		t.Error(v)
	}
}
