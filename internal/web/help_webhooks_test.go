package web_test

import (
	"net/http"
	"testing"

	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestWebhooksHelpServesTheDocument: the product's Help has the webhooks
// document (the repository's docs/webhooks.md, rendered), and the
// Webhooks page points to it instead of an API reference that holds
// neither the body nor the signature.
func TestWebhooksHelpServesTheDocument(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	c := e.client()
	c.signUp("ann@example.com", "correct horse battery")
	help := c.get("/help/webhooks").wantStatus(t, http.StatusOK)
	help.wantBody(t, `<h2 id="checking-the-signature">Checking the signature</h2>`, "Telegramate-Signature", "<table>",
		`aria-current="page" href="/help/webhooks"`)
	help.wantNoBody(t, "<h1>Webhooks</h1>", "# Webhooks")
	c.get("/help").wantStatus(t, http.StatusOK).wantBody(t, `href="/help/webhooks"`)
	page := c.get("/webhooks").wantStatus(t, http.StatusOK)
	page.wantBody(t, `<a href="/help/webhooks">`)
	page.wantNoBody(t, "See the API reference")
}
