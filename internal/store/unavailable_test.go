package store_test

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/telegramate/telegramate/internal/store"
)

func TestIsUnavailable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, refused := net.Dial("tcp", addr)
	if refused == nil {
		t.Fatal("dial to a closed port succeeded")
	}
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"refused", fmt.Errorf("failed to connect: %w", refused), true},
		{"bad conn", fmt.Errorf("claim: %w", driver.ErrBadConn), true},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, true},
		{"connection failure", fmt.Errorf("claim: %w", &pgconn.PgError{Code: "08006"}), true},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"not found", store.ErrNotFound, false},
		{"fenced", store.ErrFenced, false},
		{"plain", errors.New("no such column"), false},
		{"nil", nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := store.IsUnavailable(c.err); got != c.want {
				t.Errorf("IsUnavailable(%v) = %v, want %v", c.err, got, c.want)
			}
		})
	}
}
