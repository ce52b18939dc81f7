package store

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
)

// IsUnavailable reports an error that says the database could not be
// reached or answer this time (a connection refused or lost, PostgreSQL
// starting or shutting down, SQLite's lock held past busy_timeout), not
// that the statement or its data is wrong: the same work may succeed in
// a moment.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var ne net.Error
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.As(err, &ne) {
		return true
	}
	// Read through the drivers' methods, so the store's interface needs
	// neither driver.
	var pg interface{ SQLState() string }
	if errors.As(err, &pg) {
		state := pg.SQLState()
		// 08: connection exception; 57P01-57P03: the server is shutting
		// down or starting; 53300: too many connections.
		return strings.HasPrefix(state, "08") || state == "57P01" || state == "57P02" || state == "57P03" || state == "53300"
	}
	var lite interface{ Code() int }
	if errors.As(err, &lite) {
		const busy, locked = 5, 6 // SQLITE_BUSY, SQLITE_LOCKED (primary codes)
		code := lite.Code() & 0xff
		return code == busy || code == locked
	}
	return false
}

// unavailableTexts are how the drivers word the errors IsUnavailable
// accepts, for a library that logs an error as its text only.
var unavailableTexts = []string{
	"failed to connect to", "connection refused", "connection reset", "broken pipe", "unexpected EOF",
	"conn closed", "use of closed network connection", "i/o timeout", "no such host",
	"SQLSTATE 08", "SQLSTATE 57P01", "SQLSTATE 57P02", "SQLSTATE 57P03", "SQLSTATE 53300",
	"database is locked", "SQLITE_BUSY",
}

// LooksUnavailable is IsUnavailable for an error known only by its text
// (River logs some of its errors as strings).
func LooksUnavailable(text string) bool {
	for _, s := range unavailableTexts {
		if strings.Contains(text, s) {
			return true
		}
	}
	return false
}
