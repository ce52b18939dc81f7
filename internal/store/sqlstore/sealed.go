package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
)

// SealedColumn names a column holding secrets.Keyring output, in a table
// whose key is "id".
type SealedColumn struct{ Table, Column string }

// SealedColumns is every sealed column. A migration that adds one adds a
// line here; TestSealedColumnsListed fails until it does.
var SealedColumns = []SealedColumn{
	{"telegram_accounts", "api_hash_sealed"},
	{"telegram_accounts", "session_sealed"},
	{"pending_logins", "api_hash_sealed"},
	{"pending_logins", "phone_code_hash_sealed"},
	{"pending_logins", "session_sealed"},
	{"webhook_endpoints", "secret_sealed"},
}

// rewrapBatch bounds how many values are held in memory at once.
const rewrapBatch = 200

func (q queries) RewrapSealed(ctx context.Context, fn func(sealed []byte) ([]byte, error)) (int, error) {
	total := 0
	err := q.inTx(ctx, func(q queries) error {
		for _, c := range SealedColumns {
			n, err := q.rewrapColumn(ctx, c, fn)
			if err != nil {
				return fmt.Errorf("rewrap %s.%s: %w", c.Table, c.Column, err)
			}
			total += n
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return total, nil
}

type sealedValue struct {
	id    int64
	value []byte
}

// rewrapColumn walks one column in id order, a batch at a time, and writes
// back the values fn changed.
func (q queries) rewrapColumn(ctx context.Context, c SealedColumn, fn func([]byte) ([]byte, error)) (int, error) {
	p := q.d.Placeholder
	sel := fmt.Sprintf("SELECT id, %s FROM %s WHERE %s IS NOT NULL AND id > %s ORDER BY id LIMIT %d",
		c.Column, c.Table, c.Column, p(1), rewrapBatch)
	upd := fmt.Sprintf("UPDATE %s SET %s = %s WHERE id = %s", c.Table, c.Column, p(1), p(2))
	n := 0
	for after := int64(0); ; {
		batch, err := q.sealedBatch(ctx, sel, after)
		if err != nil || len(batch) == 0 {
			return n, err
		}
		for _, v := range batch {
			out, err := fn(v.value)
			if err != nil {
				return n, fmt.Errorf("id %d: %w", v.id, err)
			}
			if bytes.Equal(out, v.value) {
				continue
			}
			if _, err := q.tx.ExecContext(ctx, upd, out, v.id); err != nil {
				return n, fmt.Errorf("id %d: %w", v.id, err)
			}
			n++
		}
		after = batch[len(batch)-1].id
	}
}

func (q queries) sealedBatch(ctx context.Context, sel string, after int64) ([]sealedValue, error) {
	var conn interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	} = q.db
	if q.tx != nil {
		conn = q.tx
	}
	rows, err := conn.QueryContext(ctx, sel, after)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var batch []sealedValue
	for rows.Next() {
		var v sealedValue
		if err := rows.Scan(&v.id, &v.value); err != nil {
			return nil, err
		}
		batch = append(batch, v)
	}
	return batch, rows.Err()
}

// EachSealed passes every sealed value to fn, a batch at a time, without a
// transaction or a write: the start-up check runs it on every node.
func (q queries) EachSealed(ctx context.Context, fn func(sealed []byte) error) error {
	return q.eachSealed(ctx, "%s", fn)
}

// sealedHeaderLen covers a sealed value's format byte, key id length and
// longest key id.
const sealedHeaderLen = 2 + 64

func (q queries) EachSealedHeader(ctx context.Context, fn func(header []byte) error) error {
	// substr counts bytes of a BLOB in SQLite and of a bytea in PostgreSQL.
	return q.eachSealed(ctx, fmt.Sprintf("substr(%%s, 1, %d)", sealedHeaderLen), fn)
}

// eachSealed walks every sealed column, reading expr of it (a format with
// one %s for the column).
func (q queries) eachSealed(ctx context.Context, expr string, fn func(sealed []byte) error) error {
	p := q.d.Placeholder
	for _, c := range SealedColumns {
		sel := fmt.Sprintf("SELECT id, %s FROM %s WHERE %s IS NOT NULL AND id > %s ORDER BY id LIMIT %d",
			fmt.Sprintf(expr, c.Column), c.Table, c.Column, p(1), rewrapBatch)
		for after := int64(0); ; {
			batch, err := q.sealedBatch(ctx, sel, after)
			if err != nil {
				return fmt.Errorf("read %s.%s: %w", c.Table, c.Column, err)
			}
			if len(batch) == 0 {
				break
			}
			for _, v := range batch {
				if err := fn(v.value); err != nil {
					return fmt.Errorf("%s.%s id %d: %w", c.Table, c.Column, v.id, err)
				}
			}
			after = batch[len(batch)-1].id
		}
	}
	return nil
}
