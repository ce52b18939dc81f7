package main

import (
	"context"

	"github.com/telegramate/telegramate/internal/config"
	"github.com/telegramate/telegramate/internal/web/server"
)

const serveUsage = `serve [flags]

Runs the web interface, the JSON API (/api/v1) and the background jobs until
SIGINT or SIGTERM, then finishes in-flight requests and stops.

By default everything lives in an embedded SQLite database in --data-dir;
with --database-url postgres://… any number of identical nodes share the
work through PostgreSQL.

With --signup open (the default) anyone who can reach the server may create
an account, and the first account becomes the instance administrator. With
--signup closed the sign-up page is hidden and users, the first one included,
are created with 'telegramate user create' (so a freshly started public
instance cannot be claimed by a stranger).`

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", serveUsage)
	cfg := config.Register(fs)
	if err := parse(e, fs, cfg, args); err != nil {
		return err
	}
	return server.Run(ctx, server.Options{Config: cfg, Logger: logger(e, cfg), Version: version})
}
