package store

// Regenerate the query code after changing internal/store/queries or a
// migration: go generate ./internal/store/...
// (sqlc first, then the SQLite adapter that follows its output).
//go:generate go run github.com/sqlc-dev/sqlc/cmd/sqlc@v1.31.1 -f ../../sqlc.yaml generate
