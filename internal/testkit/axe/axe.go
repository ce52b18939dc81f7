// Package axe runs axe-core, Deque's accessibility checker, in a test's
// browser. axe-core comes from npm (pinned in internal/web/assets, copied
// here by scripts/vendor-assets.sh) and is embedded in the tests only: the
// app never serves it.
package axe

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/chromedp/chromedp"

	"github.com/telegramate/telegramate/internal/testkit"
)

//go:embed vendor/axe.min.js
var source string

// WCAG21AA are axe's tags for the rules of WCAG 2.0 and 2.1, levels A and AA.
var WCAG21AA = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// Violation is one rule that failed, with the elements that fail it.
type Violation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"` // minor, moderate, serious or critical
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   []Node `json:"nodes"`
}

// Node is one failing element.
type Node struct {
	Target         []any  `json:"target"` // CSS selectors (nested arrays inside frames)
	HTML           string `json:"html"`
	FailureSummary string `json:"failureSummary"`
}

// Serious says whether the violation blocks or seriously hinders someone.
func (v Violation) Serious() bool { return v.Impact == "critical" || v.Impact == "serious" }

// String names the rule, its impact and each failing element with why it
// fails, so a test's failure reads as what to fix.
func (v Violation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s — %s", v.ID, v.Impact, v.Help, v.HelpURL)
	for _, n := range v.Nodes {
		fmt.Fprintf(&b, "\n    %v %s\n      %s", n.Target, n.HTML, strings.ReplaceAll(n.FailureSummary, "\n", "\n      "))
	}
	return b.String()
}

// Run checks the page the browser shows now against the rules with the
// given tags (WCAG21AA when none) and returns what fails. axe is injected
// through the DevTools protocol, so the page's Content-Security-Policy
// neither blocks it nor needs loosening for tests.
func Run(b *testkit.Browser, tags ...string) []Violation {
	if len(tags) == 0 {
		tags = WCAG21AA
	}
	if !testkit.Eval[bool](b, `typeof window.axe === "object"`) {
		b.Do(chromedp.Evaluate[chromedp.Void](source))
	}
	quoted := make([]string, len(tags))
	for i, t := range tags {
		quoted[i] = fmt.Sprintf("%q", t)
	}
	// resultTypes keeps axe from serialising every passing element.
	js := fmt.Sprintf(`axe.run(document, {runOnly: {type: "tag", values: [%s]}, resultTypes: ["violations"]}).then(r => r.violations)`,
		strings.Join(quoted, ","))
	return testkit.Eval[[]Violation](b, js, chromedp.EvalAwaitPromise)
}
