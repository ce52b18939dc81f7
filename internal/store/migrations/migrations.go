// Package migrations embeds the goose migrations, one folder per engine.
// The folders must stay in step: same file names, same tables and columns
// (store's TestMigrationsInStep compares the schemas they produce).
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// SQLite is the SQLite folder.
func SQLite() fs.FS { return sub("sqlite") }

// Postgres is the PostgreSQL folder.
func Postgres() fs.FS { return sub("postgres") }

func sub(dir string) fs.FS {
	f, err := fs.Sub(files, dir)
	if err != nil {
		panic(err) // the directory is embedded above; this cannot fail
	}
	return f
}
