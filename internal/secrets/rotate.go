package secrets

import (
	"context"

	"github.com/telegramate/telegramate/internal/store"
)

// Rotate re-seals every sealed value in the store with the keyring's
// current key (`telegramate secrets rotate`), in one transaction. It returns
// how many values changed; after it, older keys can be removed from the
// configuration.
func Rotate(ctx context.Context, s store.Sealed, k *Keyring) (int, error) {
	return s.RewrapSealed(ctx, k.Rewrap)
}
