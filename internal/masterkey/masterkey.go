// Package masterkey opens the master keyring for a database and refuses to
// go on with keys that cannot open what the database holds: a node that
// starts on a restored database without its key, or on PostgreSQL without
// the key every node shares, would otherwise look healthy while every send
// and every session fails.
package masterkey

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/telegramate/telegramate/internal/secrets"
)

// Sealed is what the check reads: every sealed value, read-only.
type Sealed interface {
	Dialect() string
	EachSealed(ctx context.Context, fn func(sealed []byte) error) error
	EachSealedHeader(ctx context.Context, fn func(header []byte) error) error
}

// Open loads the configured keys and checks them against st's sealed
// values. It generates a key (in <data-dir>/secret.key) only on SQLite and
// only while the database holds no sealed value.
func Open(ctx context.Context, st Sealed, o secrets.KeyOptions) (*secrets.Keyring, error) {
	inv, err := inventory(ctx, st)
	if err != nil {
		return nil, err
	}
	switch {
	case st.Dialect() == "postgres":
		o.NoGenerate = errors.New("no master key given: on PostgreSQL every node must be given the same key, so none is generated. " +
			"Give it with --secret-key-file FILE (make one with 'telegramate secrets new-key --file FILE --owner USER' and copy it to every node) or the TELEGRAMATE_SECRET_KEY variable")
	case len(inv.count) > 0:
		o.NoGenerate = fmt.Errorf("no master key configured and %s/%s does not exist, but the database holds %s: "+
			"a new key would not open them, so none is generated. Put the key they were sealed with (after a restore: the secret.key kept with the backup) "+
			"in %s/%s with mode 0600, or give it with --secret-key-file or TELEGRAMATE_SECRET_KEY", o.DataDir, secrets.KeyFileName, inv, o.DataDir, secrets.KeyFileName)
	}
	keys, err := secrets.LoadKeyring(o)
	if err != nil {
		return nil, err
	}
	if err := inv.check(keys); err != nil {
		return nil, err
	}
	return keys, nil
}

// Verify checks that keys hold the id of every sealed value st holds. It
// reads only the values' headers, so a serving node can repeat it; Open
// has checked the key material of each id at start.
func Verify(ctx context.Context, st Sealed, keys *secrets.Keyring) error {
	e := &MissingKeyError{Missing: map[string]int{}, Configured: keys.KeyIDs()}
	err := st.EachSealedHeader(ctx, func(header []byte) error {
		if id, err := secrets.HeaderKeyID(header); err == nil && !keys.Has(id) {
			e.Missing[id]++
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("check sealed secrets: %w", err)
	}
	if len(e.Missing) > 0 {
		return e
	}
	return nil
}

// MissingKeyError says which key ids the database needs that the keyring
// lacks (or holds under the id but with other key material).
type MissingKeyError struct {
	Missing    map[string]int // key id → sealed values
	Wrong      []string       // configured ids whose key does not open their values
	Configured []string
}

func (e *MissingKeyError) Error() string {
	var b strings.Builder
	if len(e.Missing) > 0 {
		ids := slices.Sorted(maps.Keys(e.Missing))
		parts := make([]string, len(ids))
		for i, id := range ids {
			parts[i] = fmt.Sprintf("%d sealed with key id %q", e.Missing[id], id)
		}
		fmt.Fprintf(&b, "the database holds secrets this node cannot open (%s); configured key ids: %s. ",
			strings.Join(parts, ", "), strings.Join(e.Configured, ", "))
	}
	if len(e.Wrong) > 0 {
		fmt.Fprintf(&b, "the key configured as %s does not open the secrets sealed under that id: it is another key with the same id. ",
			strings.Join(e.Wrong, ", "))
	}
	b.WriteString("Give the key they were sealed with (after a restore: the secret.key kept with the backup; after a rotation: keep the old key after the new one, " +
		`"new:BASE64,old:BASE64", until 'telegramate secrets rotate' has run) with --secret-key-file or TELEGRAMATE_SECRET_KEY, then start again`)
	return b.String()
}

// Reason is the short form /healthz shows.
func (e *MissingKeyError) Reason() string {
	ids := slices.Sorted(maps.Keys(e.Missing))
	ids = append(ids, e.Wrong...)
	return "secrets sealed with key id " + strings.Join(ids, ", ") + " cannot be opened: the key is not configured"
}

// sealedInventory counts values per key id and keeps the first of each, so
// one Open per key proves its material without decrypting every session.
type sealedInventory struct {
	count  map[string]int
	sample map[string][]byte
	bad    int // values that do not parse at all
}

func (inv sealedInventory) String() string {
	ids := slices.Sorted(maps.Keys(inv.count))
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprintf("%d secrets sealed with key id %q", inv.count[id], id)
	}
	return strings.Join(parts, ", ")
}

func inventory(ctx context.Context, st Sealed) (sealedInventory, error) {
	inv := sealedInventory{count: map[string]int{}, sample: map[string][]byte{}}
	err := st.EachSealed(ctx, func(sealed []byte) error {
		id, err := secrets.KeyID(sealed)
		if err != nil {
			inv.bad++
			return nil
		}
		if inv.count[id] == 0 {
			inv.sample[id] = slices.Clone(sealed)
		}
		inv.count[id]++
		return nil
	})
	if err != nil {
		return inv, fmt.Errorf("check sealed secrets: %w", err)
	}
	return inv, nil
}

func (inv sealedInventory) check(keys *secrets.Keyring) error {
	e := &MissingKeyError{Missing: map[string]int{}, Configured: keys.KeyIDs()}
	for id, n := range inv.count {
		if !keys.Has(id) {
			e.Missing[id] = n
			continue
		}
		if err := keys.Check(inv.sample[id]); err != nil {
			e.Wrong = append(e.Wrong, id)
		}
	}
	if len(e.Missing) == 0 && len(e.Wrong) == 0 {
		return nil
	}
	slices.Sort(e.Wrong)
	return e
}

// Watch re-checks the keys every interval while ctx lasts, so a node whose
// key stops matching the database at run time (another node rotated and
// dropped the old key) says so on /healthz instead of failing every send.
type Watch struct {
	mu     sync.Mutex
	reason string
}

// Problem is the reason the keys do not open the database, or "".
func (w *Watch) Problem() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.reason
}

// Run checks until ctx ends; a failed read of the database is not a key
// problem (/healthz reports the database on its own) and changes nothing.
func (w *Watch) Run(ctx context.Context, st Sealed, keys *secrets.Keyring, every time.Duration, logger *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := Verify(ctx, st, keys)
		var missing *MissingKeyError
		switch {
		case errors.As(err, &missing):
			w.set(missing.Reason(), func() {
				logger.Error("master key does not open the database's secrets", slog.String("err", err.Error()))
			})
		case err == nil:
			w.set("", func() { logger.Info("master key opens the database's secrets again") })
		}
	}
}

// set records the reason and logs once per change, not per check.
func (w *Watch) set(reason string, announce func()) {
	w.mu.Lock()
	changed := w.reason != reason
	w.reason = reason
	w.mu.Unlock()
	if changed {
		announce()
	}
}
