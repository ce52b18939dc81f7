package sqlstore

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/telegramate/telegramate/internal/store"
)

// mapErr turns driver errors into the store's sentinel errors, keeping the
// original in the chain for logs.
func mapErr(d *Dialect, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return store.ErrNotFound
	case d.IsUniqueViolation(err):
		return fmt.Errorf("%w: %w", store.ErrConflict, err)
	}
	return err
}

// one maps a single-row result, converting the row on success.
func one[R, T any](d *Dialect, r R, err error, conv func(R) T) (T, error) {
	if err != nil {
		var zero T
		return zero, mapErr(d, err)
	}
	return conv(r), nil
}

// many converts every row of a list result.
func many[R, T any](d *Dialect, rs []R, err error, conv func(R) T) ([]T, error) {
	if err != nil {
		return nil, mapErr(d, err)
	}
	out := make([]T, len(rs))
	for i, r := range rs {
		out[i] = conv(r)
	}
	return out, nil
}

// affected is ErrNotFound when an update touched no row.
func affected(d *Dialect, n int64, err error) error {
	if err != nil {
		return mapErr(d, err)
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}
