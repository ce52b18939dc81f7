package a11y_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"

	"github.com/telegramate/telegramate/internal/testkit"
)

// TestFocusIsNotHiddenUnderTheNavbar: the navigation stays at the top as a
// page scrolls, so an element the page has scrolled behind it looks on
// screen to the browser. When Tab reaches one, the browser must bring it out
// below the navigation (WCAG 2.2, 2.4.11 Focus Not Obscured), not leave it
// hidden. Left hidden, a conversation's Assign button once took a click
// meant for it into the navigation's Accounts link.
func TestFocusIsNotHiddenUnderTheNavbar(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	b := testkit.NewBrowser(t)
	k := &keys{t: t, b: b}
	signUp(b, a.URL, "nia@example.com")
	k.open(a.URL + "/campaigns/new")

	// Two Tab stops of the campaign editor, one after the other, down the
	// page; the page scrolled so the second sits under the navigation, the
	// first (above it, off screen) focused without scrolling.
	setUp := `(() => {
		const nav = document.querySelector("nav.sticky-top");
		if (!nav) return "no sticky navigation";
		const stops = [...document.querySelectorAll("a[href], button, input, select, textarea, [tabindex]")]
			.filter(e => !e.disabled && e.tabIndex >= 0 && e.getClientRects().length > 0);
		const main = document.querySelector("#main");
		for (let i = 1; i < stops.length; i++) {
			const [prev, e] = [stops[i - 1], stops[i]];
			if (!main.contains(prev) || !main.contains(e)) continue;
			const top = e.getBoundingClientRect().top + window.scrollY;
			const y = top - nav.offsetTop - 4;
			if (y < 200 || y > document.scrollingElement.scrollHeight - window.innerHeight) continue;
			window.scrollTo({top: y, behavior: "instant"}); // Bootstrap scrolls smoothly otherwise
			if (e.getBoundingClientRect().top >= nav.getBoundingClientRect().bottom) return "the page did not scroll as asked";
			e.dataset.focusTarget = "";
			prev.focus({preventScroll: true});
			return "";
		}
		return "no two Tab stops in the editor far enough down";
	})()`
	if p := testkit.Eval[string](b, setUp); p != "" {
		t.Fatal(p)
	}
	k.press(kb.Tab)
	k.has("[data-focus-target]")
	// The browser may scroll smoothly: wait for it to settle.
	under := `document.querySelector("nav.sticky-top").getBoundingClientRect().bottom - document.activeElement.getBoundingClientRect().top`
	if !testkit.Until(5*time.Second, func() bool { return testkit.Eval[float64](b, under) <= 0 }) {
		hidden := testkit.Eval[float64](b, under)
		b.Screenshot("failed")
		t.Errorf("the focused element is %.0f px under the navigation", hidden)
	}
}
