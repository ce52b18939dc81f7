package ui_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/telegramate/telegramate/internal/testkit"
)

// TestBrowserWideTableSaysItScrolls: on a phone, a table wider than the
// screen (a member list's) says so above it ("Swipe sideways for more
// columns") and fades the side that hides columns, which moves as it is
// scrolled; it stays a named, focusable region. At a desktop's width
// there is no hint. Tables on phones scrolled without a hint.
func TestBrowserWideTableSaysItScrolls(t *testing.T) {
	a, listID := seedList(t)
	b := testkit.NewBrowser(t)
	b.Do(
		chromedp.Navigate(a.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
	)
	b.Load(chromedp.Submit(chromedp.CSS("#password")))
	page := fmt.Sprintf("%s/member-lists/%d", a.URL, listID)
	b.Viewport(390, 844, true)
	b.Load(chromedp.Navigate(page))
	b.WaitJS("the wide tables marked", `[...document.querySelectorAll(".table-responsive")].some(x => x.scrollWidth > x.clientWidth && x.classList.contains("scrolls-right"))`, 10*time.Second)
	b.Screenshot("wide-table-phone")
	got := testkit.Eval[string](b, `(() => {
		const wide = [...document.querySelectorAll(".table-responsive")].filter(x => x.scrollWidth > x.clientWidth);
		for (const box of wide) {
			const hint = box.previousElementSibling;
			if (!hint || !hint.classList.contains("scroll-hint")) return "a wide table has no hint";
			if (hint.offsetParent === null || hint.getBoundingClientRect().height === 0) return "the hint is not visible";
			if (!hint.textContent.includes("Swipe sideways for more columns")) return "the hint says " + hint.textContent;
			if (box.getAttribute("role") !== "region" || box.tabIndex !== 0 || !box.getAttribute("aria-label").includes("scrolls sideways")) return "not a named focusable region";
			if (!box.classList.contains("scrolls-right") || box.classList.contains("scrolls-left")) return "at the start, the right side is not the faded one: " + box.className;
			if (getComputedStyle(box).maskImage === "none") return "no fade at the right edge";
		}
		return wide.length ? "ok" : "no table is wider than the phone: the test proves nothing";
	})()`)
	if got != "ok" {
		t.Fatal(got)
	}
	// Scrolled to the end, the fade moves to the left.
	testkit.Eval[bool](b, `(() => { const box = [...document.querySelectorAll(".table-responsive")].find(x => x.scrollWidth > x.clientWidth);
		box.scrollLeft = box.scrollWidth; return true; })()`)
	b.WaitJS("the fade on the left", `(() => { const box = [...document.querySelectorAll(".table-responsive")].find(x => x.scrollWidth > x.clientWidth);
		return box.classList.contains("scrolls-left") && !box.classList.contains("scrolls-right"); })()`, 10*time.Second)

	b.Viewport(1280, 900, false)
	b.Load(chromedp.Navigate(page))
	if n := testkit.Eval[int](b, `document.querySelectorAll(".scroll-hint").length`); n != 0 {
		t.Errorf("at a desktop's width, %d scroll hints", n)
	}
}
