package testkit

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath is where Debian installs chromium.
const chromiumPath = "/usr/bin/chromium"

// stepTimeout bounds one Do, so a page that never shows what a test waits
// for fails the test instead of hanging the suite. It leaves room for a
// step that waits on a Telegram login under CI's load: a connect form's
// POST took 29.6 s there, when each new auth key cost the client seconds
// of factoring under -race (the sandbox now offers a pq that is quick to
// factor, mtserver/pq.go), and a 30 s bound failed TestKeyboardOnly.
const stepTimeout = 90 * time.Second

// Browser is a headless Debian chromium driven by chromedp, with a fresh
// profile, saving screenshots as the test's artifacts.
type Browser struct {
	t   testing.TB
	ctx context.Context
	dir string
	n   int

	mu       sync.Mutex
	problems []string
	expected []string
}

// NewBrowser starts chromium for the test and closes it when the test ends.
// Without chromium the test is skipped, except under CI=true, where it
// fails.
func NewBrowser(t testing.TB) *Browser {
	t.Helper()
	exe := chromiumPath
	if _, err := os.Stat(exe); err != nil {
		if p, lerr := exec.LookPath("chromium"); lerr == nil {
			exe = p
		} else if inCI() {
			t.Fatalf("chromium not found at %s (CI=true: install it with apt-get install chromium)", chromiumPath)
		} else {
			t.Skipf("chromium not found at %s; install it with apt-get install chromium", chromiumPath)
		}
	}

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox, // tests run as root in containers
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	b := &Browser{t: t, ctx: ctx, dir: ArtifactDir(t)}
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	// The first Do starts chromium and binds it to the context it gets, so
	// it gets the tab's context itself; a timer bounds the start instead.
	stuck := time.AfterFunc(time.Minute, cancelTab)
	defer stuck.Stop()
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	go b.watchConsole()
	t.Logf("screenshots go to %s", b.dir)
	return b
}

// Ctx is the tab's context, for chromedp.Run when a value is needed.
func (b *Browser) Ctx() context.Context { return b.ctx }

// Do runs steps in the tab; on error it saves a "failed" screenshot and
// fails the test.
func (b *Browser) Do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.failed()
		b.t.Fatalf("browser: %v", err)
	}
}

// Load runs steps that make the tab load a page (a click on a link or a
// submit button) and waits until the new page has loaded, so the next step
// cannot see the old page. It returns the page's HTTP status.
func (b *Browser) Load(steps ...chromedp.Action[chromedp.Void]) int64 {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, steps...)
	if err != nil {
		b.failed()
		b.t.Fatalf("browser: %v", err)
	}
	if resp == nil {
		b.t.Fatal("browser: the steps loaded no page")
	}
	return resp.Status
}

// Text returns the visible text of the first element matching the CSS
// selector, waiting for it to be visible.
func (b *Browser) Text(selector string) string {
	b.t.Helper()
	b.Do(chromedp.WaitVisible(chromedp.CSS(selector)))
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(selector)))
	if err != nil {
		b.t.Fatalf("browser: text of %s: %v", selector, err)
	}
	return s
}

// Location is the current URL.
func (b *Browser) Location() string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	u, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("browser: location: %v", err)
	}
	return u
}

// Viewport resizes the page, e.g. Viewport(390, 844) for a phone; mobile
// also emulates touch and a phone's user agent metrics.
func (b *Browser) Viewport(width, height int64, mobile bool) {
	b.t.Helper()
	if mobile {
		b.Do(chromedp.EmulateViewport(width, height, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
		return
	}
	b.Do(chromedp.EmulateViewport(width, height))
}

// Screenshot saves a full-page PNG named "NN-name.png" in the artifact
// folder and returns its path.
func (b *Browser) Screenshot(name string) string {
	b.t.Helper()
	b.n++
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
		return ""
	}
	path := filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", b.n, name))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
	}
	return path
}

// failed saves a "failed" screenshot and this process's goroutines beside
// it: a step that timed out is most often a server (in this process) that
// waited on something, and the dump says on what.
func (b *Browser) failed() {
	b.t.Helper()
	b.Screenshot("failed")
	var dump bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&dump, 2); err != nil {
		return
	}
	path := filepath.Join(b.dir, fmt.Sprintf("%02d-goroutines.txt", b.n))
	if err := os.WriteFile(path, dump.Bytes(), 0o644); err == nil {
		b.t.Logf("goroutines when the step failed: %s", path)
	}
}

// Problems are the uncaught exceptions and console errors so far (a script
// that failed to load, a Content-Security-Policy violation, …), except
// those a test said to expect, and htmx's log of a request it aborted.
func (b *Browser) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, p := range b.problems {
		if isAbortLog(p) {
			continue
		}
		if !slices.ContainsFunc(b.expected, func(e string) bool { return strings.Contains(p, e) }) {
			out = append(out, p)
		}
	}
	return out
}

// isAbortLog tells htmx's two console errors for a request it aborted
// ("htmx:sendAbort", and "htmx:afterRequest" beside it): a newer preview
// replacing one still on its way (hx-sync="this:replace"), or the page
// left by a click while one was. Neither is a failure; a request that
// failed logs htmx:sendError, htmx:responseError or htmx:timeout beside
// its afterRequest, and those stay problems.
func isAbortLog(p string) bool {
	return strings.Contains(p, "htmx:sendAbort") || strings.Contains(p, "htmx:afterRequest")
}

// ExpectProblem makes Problems skip console errors containing substr, such
// as "status of 422" for a form shown again with its errors (browsers log
// every non-2xx page load as an error).
func (b *Browser) ExpectProblem(substr string) {
	b.mu.Lock()
	b.expected = append(b.expected, substr)
	b.mu.Unlock()
}

func (b *Browser) watchConsole() {
	for m, err := range chromedp.Console(b.ctx) {
		if err != nil {
			return
		}
		if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
			b.mu.Lock()
			b.problems = append(b.problems, m.String())
			b.mu.Unlock()
		}
	}
}

// ArtifactDir is where a test keeps files worth looking at afterwards: a
// folder per test under $TELEGRAMATE_ARTIFACTS when set (CI keeps it),
// otherwise t.ArtifactDir() (kept with `go test -artifacts`).
func ArtifactDir(t testing.TB) string {
	t.Helper()
	root := os.Getenv("TELEGRAMATE_ARTIFACTS")
	if root == "" {
		return t.ArtifactDir()
	}
	dir := filepath.Join(root, unsafeChars.ReplaceAllString(t.Name(), "_"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifact dir: %v", err)
	}
	return dir
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// Eval runs a script in the page and returns its value; with
// chromedp.EvalAwaitPromise, the value a promise resolves to.
func Eval[T any](b *Browser, js string, opts ...chromedp.EvaluateOption) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, opts...))
	if err != nil {
		b.failed()
		b.t.Fatalf("browser: evaluate %s: %v", js, err)
	}
	return v
}

// WaitJS polls a script until it is true, for pages that change by
// themselves (server-sent events): what names the wait in the failure.
func (b *Browser) WaitJS(what, js string, within time.Duration) {
	b.t.Helper()
	for deadline := time.Now().Add(within); !Eval[bool](b, js); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.failed()
			b.t.Fatalf("browser: %s: not within %v", what, within)
		}
	}
}

// WaitText waits until the text of the first element matching selector
// holds want. It reads the text in one script, because a live block may
// be replaced between two steps.
func (b *Browser) WaitText(selector, want string, within time.Duration) {
	b.t.Helper()
	js := fmt.Sprintf(`(function () { var e = document.querySelector(%q); return e ? e.innerText : "(no element)"; })()`, selector)
	var got string
	for deadline := time.Now().Add(within); ; time.Sleep(50 * time.Millisecond) {
		if got = Eval[string](b, js); got != "(no element)" && strings.Contains(got, want) {
			return
		}
		if time.Now().After(deadline) {
			b.failed()
			b.t.Fatalf("browser: %s reads %q, want %q in it", selector, got, want)
		}
	}
}
