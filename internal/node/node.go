// Package node names one `telegramate serve` process to the others. It
// imports nothing of the product, so configuration can check an id
// without reaching the store.
package node

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
)

// A node id names one `telegramate serve` process to the others: as the
// holder of account leases, as River's client id (a job's attempted_by),
// and to Telegram in initConnection's params ("telegramate_node"). River
// allows at most 100 characters.
var nodeIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

// ValidID checks an id given with --node-id.
func ValidID(id string) error {
	if !nodeIDPattern.MatchString(id) {
		return fmt.Errorf("node id %q: use 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit", id)
	}
	return nil
}

// NewID is the host's name and a random suffix, new for every start,
// so a restarted process is never taken for the one that died.
func NewID() string {
	host, _ := os.Hostname()
	host = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '-'
	}, host)
	host = strings.Trim(host, ".-_")
	if len(host) > 48 {
		host = host[:48]
	}
	if host == "" {
		host = "node"
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return host + "-" + hex.EncodeToString(b)
}

var processNode = sync.OnceValue(NewID)

// ProcessID is one NewID per process, for parts built without a
// node id of their own (tests, tools).
func ProcessID() string { return processNode() }
