package e2e_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/testkit"
)

// allowDownloads saves downloads in dir.
func allowDownloads(dir string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir,
		})
		return chromedp.Void{}, err
	}
}

// TestBrowserExtractWatchFilterDownload starts an extraction from the
// chats list, watches the bar over server-sent events through a FLOOD_WAIT
// to 100 %, filters the list and downloads it as CSV.
func TestBrowserExtractWatchFilterDownload(t *testing.T) {
	a := startApp(t)
	b := testkit.NewBrowser(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }

	b.Do(
		chromedp.Navigate(a.URL+"/signup"),
		chromedp.SendKeys(css("#email"), "ann@example.com"),
		chromedp.SendKeys(css("#password"), "correct horse battery"),
	)
	b.Load(chromedp.Click(css("#signup-submit")))
	newUser(t, a, "ann@example.com", false).connect(apiID, apiHash, phoneAnn)

	// Telegram will ask for a three-second pause after three pages.
	t.Cleanup(sbx.ClearFaults)
	if err := sbx.SetFault(sandbox.Fault{Method: "channels.getParticipants", After: 3, Error: "FLOOD_WAIT_3"}); err != nil {
		t.Fatal(err)
	}

	b.Load(chromedp.Navigate(a.URL + "/member-lists"))
	b.Screenshot("no-lists-yet")
	b.Load(chromedp.Click(css(`a[href="/extractions/new"]`)))
	b.Do(chromedp.WaitVisible(css(`#chats tr[data-chat-id="7001"]`)))
	if got := b.Text(`#chats tr[data-chat-id="7002"] td:last-child`); !strings.Contains(got, "admins only") {
		t.Errorf("the channel row offers %q", got)
	}
	b.Screenshot("chats")
	b.Load(chromedp.Click(css(`#chats tr[data-chat-id="7001"] .extract-button`)))
	if !strings.Contains(b.Location(), "/extractions/") {
		t.Fatalf("after Extract: %s", b.Location())
	}
	// A mark on the page: it must survive until the end, so the bar moved
	// without a reload.
	b.Do(chromedp.Evaluate[chromedp.Void](`window.stayed = true`))

	b.Do(chromedp.WaitVisible(css(`#extraction-progress[data-status="waiting"]`)))
	if got := b.Text("#extraction-status"); !strings.HasPrefix(got, "Waiting ") || !strings.Contains(got, "for Telegram") {
		t.Errorf("while waiting the status reads %q", got)
	}
	b.Screenshot("waiting-for-telegram")
	b.Do(chromedp.WaitVisible(css(`#extraction-progress[data-status="completed"][data-percent="100"]`)))
	if got := b.Text("#extraction-status"); got != "Done · 1,502 members" {
		t.Errorf("done status %q", got)
	}
	if got := b.Text("#extraction-percent"); got != "100 %" {
		t.Errorf("percent %q", got)
	}
	stayed, err := chromedp.Run(b.Ctx(), chromedp.Evaluate[bool](`window.stayed === true`))
	if err != nil || !stayed {
		t.Errorf("the page reloaded while the bar moved (%v)", err)
	}
	b.Screenshot("completed")

	b.Load(chromedp.Click(css("#open-list")))
	b.Do(chromedp.WaitVisible(css("#members")))
	if got := b.Text("#member-count"); got != "1,502 members" {
		t.Errorf("list count %q", got)
	}
	b.Screenshot("list")
	b.Do(
		chromedp.Click(css("#exclude_bots")),
		chromedp.Click(css("#has_username")),
		chromedp.SetValue(css("#sort"), "name"),
	)
	b.Load(chromedp.Click(css("#apply-filters")))
	b.Do(chromedp.WaitVisible(css("#members")))
	countText := b.Text("#member-count")
	totalAttr, err := chromedp.Run(b.Ctx(), chromedp.Evaluate[string](`document.querySelector("#member-count").dataset.total`))
	if err != nil {
		t.Fatal(err)
	}
	total, _ := strconv.Atoi(totalAttr)
	if total == 0 || total >= 1502 || !strings.HasSuffix(countText, "of 1,502 members match") {
		t.Fatalf("filtered count %q (%s)", countText, totalAttr)
	}
	b.Screenshot("filtered")

	dir := t.TempDir()
	b.Do(allowDownloads(dir), chromedp.Click(css("#export-csv")))
	var file string
	testkit.Eventually(t, 30*time.Second, "a CSV download", func() bool {
		if matches, _ := filepath.Glob(filepath.Join(dir, "*.csv")); len(matches) > 0 {
			file = matches[0]
		}
		return file != ""
	})
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(file) != "Go Devs.csv" || !bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")) {
		t.Errorf("downloaded %s, %.20q", filepath.Base(file), data)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs)-1 != total {
		t.Errorf("CSV has %d members, the filtered view %d", len(recs)-1, total)
	}
	for _, r := range recs[1:] {
		if r[8] != "false" || r[3] == "" {
			t.Errorf("CSV row past the filters: %q", r)
			break
		}
	}
	for i := 2; i < len(recs); i++ {
		prev := strings.ToLower(strings.TrimSpace(recs[i-1][5] + " " + recs[i-1][6]))
		cur := strings.ToLower(strings.TrimSpace(recs[i][5] + " " + recs[i][6]))
		if prev > cur {
			t.Errorf("CSV not in name order: %q before %q", prev, cur)
			break
		}
	}
	if p := b.Problems(); len(p) > 0 {
		t.Errorf("browser problems: %q", p)
	}
}
