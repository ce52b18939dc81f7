// Package docs holds the documents the product serves in its own Help as
// well as in the repository, so the two cannot differ.
package docs

import _ "embed"

// Webhooks is webhooks.md: the body of each event, the signature and how
// to check it.
//
//go:embed webhooks.md
var Webhooks []byte
