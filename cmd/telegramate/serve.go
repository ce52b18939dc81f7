package main

import (
	"context"

	"github.com/telegramate/telegramate/internal/config"
	"github.com/telegramate/telegramate/internal/web/server"
)

const serveUsage = `serve [flags]

Runs the web interface, the JSON API (/api/v1) and the background jobs until
SIGINT or SIGTERM. Then no new message is claimed and no job starts; the
messages already on their way, the running jobs and in-flight requests
finish (15 s at most, after --drain-delay) and it stops.

By default everything lives in an embedded SQLite database in --data-dir;
with --database-url postgres://… any number of identical nodes share the
work through PostgreSQL.

Nobody becomes the instance administrator by signing up, not even first:
create the administrator with 'telegramate user create --email EMAIL --admin'
(serve reminds you at start while there is none). With --signup open (the
default) anyone who can reach the server may create an ordinary account;
with --signup closed the sign-up page is hidden and users are created with
'telegramate user create' only.

Behind a TLS reverse proxy set --base-url https://… so session cookies are
marked Secure and HSTS is sent. Prefer --secret-key-file or the
TELEGRAMATE_SECRET_KEY variable to --secret-key, which other accounts on the
host can read in the process list.`

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", serveUsage)
	cfg := config.Register(fs)
	if err := parse(e, fs, cfg, args); err != nil {
		return err
	}
	return server.Run(ctx, server.Options{Config: cfg, Logger: logger(e, cfg), Version: version})
}
