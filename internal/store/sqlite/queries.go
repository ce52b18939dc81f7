package sqlite

import (
	gen "github.com/telegramate/telegramate/internal/store/postgres/db"
	"github.com/telegramate/telegramate/internal/store/sqlite/db"
)

//go:generate go run ./shimgen

// queries presents sqlc's SQLite package in the PostgreSQL package's types,
// which sqlstore is written against. Its methods are in queries_gen.go,
// written by shimgen: both packages come from one query set, so each row
// and parameter struct converts directly, and when they drift the build
// fails.
type queries struct{ q *db.Queries }

var _ gen.Querier = queries{}

func newQueries(conn gen.DBTX) *db.Queries { return db.New(conn) }

func each[From, To any](xs []From, conv func(From) To) []To {
	out := make([]To, len(xs))
	for i, x := range xs {
		out[i] = conv(x)
	}
	return out
}
