package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"

	"github.com/telegramate/telegramate/internal/config"
	"github.com/telegramate/telegramate/internal/store"
)

// startupNotes tells the operator, once at start, what would leave the
// instance unusable or weaker than they think.
func startupNotes(ctx context.Context, st store.Store, cfg *config.Config, logger *slog.Logger) error {
	admins, err := st.CountAdmins(ctx)
	if err != nil {
		return fmt.Errorf("count administrators: %w", err)
	}
	if admins == 0 {
		logger.Warn("there is no instance administrator yet (signing up never makes one); create one with: telegramate user create --email EMAIL --admin")
	}
	if cfg.Signup == config.SignupClosed {
		list, err := st.ListUsers(ctx)
		if err != nil {
			return fmt.Errorf("list users: %w", err)
		}
		if len(list) == 0 {
			logger.Warn("sign-up is closed and there is no user yet; create users with: telegramate user create --email EMAIL")
		}
	}
	for _, note := range tlsNotes(cfg) {
		logger.Warn(note)
	}
	return nil
}

// tlsNotes are the warnings about cookies and HTTPS that the listen
// address and base URL call for.
func tlsNotes(cfg *config.Config) []string {
	base, _ := url.Parse(cfg.BaseURL)
	if base != nil && base.Scheme == "https" {
		return nil
	}
	if cfg.BaseURL == "" && len(cfg.TrustedProxies) > 0 {
		return []string{"--trusted-proxies is set but --base-url is not: behind a TLS proxy set --base-url https://… so session cookies are marked Secure and browsers get HSTS"}
	}
	host, _, err := net.SplitHostPort(cfg.Listen)
	if ip := net.ParseIP(host); err == nil && ip != nil && ip.IsLoopback() && cfg.BaseURL == "" {
		return nil // a local instance, or one behind a proxy on the same host
	}
	return []string{"session cookies are not marked Secure and HSTS is off: serve this instance through HTTPS (a TLS reverse proxy) and set --base-url https://…"}
}
