package server

import (
	"fmt"
	"log/slog"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/config"
	"github.com/telegramate/telegramate/internal/lease"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
)

// newAccounts builds the Telegram gateway from --telegram-dc,
// --telegram-public-key and --telegram-test-servers (production Telegram
// when none is given) and the accounts service on it.
func newAccounts(st store.Store, keys *secrets.Keyring, cfg *config.Config, logger *slog.Logger, version string, leases *lease.Manager) (*accounts.Service, error) {
	var dcs map[int]string
	for _, dc := range cfg.Telegram.DCs {
		if dcs == nil {
			dcs = map[int]string{}
		}
		dcs[dc.ID] = dc.Addr
	}
	gw, err := telegram.New(telegram.Config{
		DCs:           dcs,
		PublicKeyFile: cfg.Telegram.PublicKeyFile,
		TestServers:   cfg.Telegram.TestServers,
		Logger:        logger,
		AppVersion:    version,
		NodeID:        leases.NodeID(),
	})
	if err != nil {
		return nil, fmt.Errorf("telegram: %w", err)
	}
	return accounts.New(accounts.Options{Store: st, Keyring: keys, Gateway: gw, Logger: logger, Leases: leases,
		DatabaseURL: cfg.DatabaseURL.Reveal()})
}
