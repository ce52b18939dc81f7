// Command specgen writes the API's OpenAPI document in its 3.0 form (what
// GET /api/v1/openapi-3.0.json serves) to the file named by its argument,
// for oapi-codegen to generate apiclient from. The services are empty
// values: registering an endpoint only needs its service to be there.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/audit"
	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/extract"
	"github.com/telegramate/telegramate/internal/inbox"
	"github.com/telegramate/telegramate/internal/media"
	"github.com/telegramate/telegramate/internal/tokens"
	"github.com/telegramate/telegramate/internal/web/api"
	"github.com/telegramate/telegramate/internal/webhook"
	"github.com/telegramate/telegramate/internal/workspaces"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: specgen FILE")
		os.Exit(2)
	}
	a := api.New(http.NewServeMux(), api.Deps{Tokens: new(tokens.Service), Accounts: new(accounts.Service), Extract: new(extract.Service),
		Campaigns: new(campaign.Service), Media: new(media.Service), Inbox: new(inbox.Service), Webhooks: new(webhook.Service), Audit: new(audit.Log), Workspaces: new(workspaces.Service), Version: "dev"})
	raw, err := a.Huma().OpenAPI().Downgrade()
	if err != nil {
		fmt.Fprintln(os.Stderr, "specgen:", err)
		os.Exit(1)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		fmt.Fprintln(os.Stderr, "specgen:", err)
		os.Exit(1)
	}
	out.WriteByte('\n')
	if err := os.WriteFile(os.Args[1], out.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "specgen:", err)
		os.Exit(1)
	}
}
