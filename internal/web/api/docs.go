package api

import "net/http"

// docsPage renders the OpenAPI document with swagger-ui served from our
// own /static (vendored from npm): huma's default page loads its script
// from a CDN, which self-hosted and offline machines cannot reach.
const docsPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Telegramate API reference</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css">
</head>
<body>
<nav id="docs-nav" style="display:flex;flex-wrap:wrap;gap:.25rem 1.25rem;align-items:center;padding:.75rem 1.25rem;border-bottom:1px solid #e4e8ef;font:14px/1.4 system-ui,sans-serif">
<a href="/" style="color:#1a7fb0;font-weight:600;text-decoration:none">&larr; Back to Telegramate</a>
<a href="/tokens" style="color:#1a7fb0;text-decoration:none">API tokens</a>
</nav>
<div id="swagger-ui" data-url="` + Prefix + `/openapi.json"></div>
<script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/js/api-docs.js"></script>
</body>
</html>
`

func serveDocs(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(docsPage))
}
