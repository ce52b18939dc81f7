package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/telegramate/telegramate/internal/campaign/message"
	"github.com/telegramate/telegramate/internal/mail"
	"github.com/telegramate/telegramate/internal/node"
)

func (c *Config) validate() error {
	var errs []error
	bad := func(flag, format string, args ...any) {
		errs = append(errs, fmt.Errorf("--%s: "+format, append([]any{flag}, args...)...))
	}
	if strings.TrimSpace(c.DataDir) == "" {
		bad("data-dir", "must not be empty")
	}
	if u := c.DatabaseURL.Reveal(); u != "" && !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
		// Never echo the URL: it may hold a password.
		bad("database-url", "must start with postgres:// or postgresql:// (leave it empty for SQLite)")
	}
	if !slices.Contains([]string{"text", "json"}, c.LogFormat) {
		bad("log-format", "%q: want text or json", c.LogFormat)
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		bad("log-level", "%v", err)
	}
	if !c.server {
		return errors.Join(errs...)
	}
	if c.MediaMaxFileSize < 1 {
		bad("media-max-file-size", "%d: want at least 1 byte", c.MediaMaxFileSize)
	}
	if c.MediaQuota < 1 {
		bad("media-quota", "%d: want at least 1 byte", c.MediaQuota)
	}
	if c.InboxMediaCache < 1 {
		bad("inbox-media-cache", "%d: want at least 1 byte", c.InboxMediaCache)
	}
	if c.QuotaDrafts < 1 {
		bad("quota-drafts", "%d: want at least 1", c.QuotaDrafts)
	}
	if c.QuotaDeliveries < 1 {
		bad("quota-deliveries", "%d: want at least 1", c.QuotaDeliveries)
	}
	if c.QuotaMembers < 1 {
		bad("quota-members", "%d: want at least 1", c.QuotaMembers)
	}
	if c.DraftRetention < time.Hour {
		bad("draft-retention", "%s: want at least an hour", c.DraftRetention)
	}
	if c.MaxSuppressions < 1 {
		bad("max-suppressions", "%d: want at least 1", c.MaxSuppressions)
	}
	if _, err := message.ParseKeywords(c.OptOutKeywords); err != nil {
		bad("opt-out-keywords", "%v", err)
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		bad("listen", "%q: want host:port, e.g. 127.0.0.1:8080", c.Listen)
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("base-url", "%q: want an absolute http:// or https:// URL", c.BaseURL)
		}
	}
	if u := c.SMTPURL.Reveal(); u != "" || c.SMTPFrom != "" {
		if u == "" {
			bad("smtp-from", "needs --smtp-url")
		} else if _, err := mail.Parse(u, c.SMTPFrom); err != nil {
			// The error never echoes the URL: it may hold a password.
			bad("smtp-url", "%v", err)
		}
	}
	if c.MetricsListen != "" {
		if _, _, err := net.SplitHostPort(c.MetricsListen); err != nil {
			bad("metrics-listen", "%q: want host:port, e.g. 127.0.0.1:9090", c.MetricsListen)
		}
	}
	if c.Signup != SignupOpen && c.Signup != SignupClosed {
		bad("signup", "%q: want open or closed", c.Signup)
	}
	if f := c.Telegram.PublicKeyFile; f != "" {
		if _, err := os.Stat(f); err != nil {
			bad("telegram-public-key", "%v", err)
		}
	}
	if c.NodeID != "" {
		if err := node.ValidID(c.NodeID); err != nil {
			bad("node-id", "%v", err)
		}
	}
	if c.LeaseTTL < time.Second || c.LeaseTTL > 10*time.Minute {
		bad("lease-ttl", "%s: want between 1s and 10m, e.g. 15s", c.LeaseTTL)
	}
	if c.NodeDeadAfter < time.Second || c.NodeDeadAfter > 10*time.Minute {
		bad("node-dead-after", "%s: want between 1s and 10m, e.g. 10s", c.NodeDeadAfter)
	}
	if c.DrainDelay < 0 || c.DrainDelay > 5*time.Minute {
		bad("drain-delay", "%s: want between 0s and 5m, e.g. 5s", c.DrainDelay)
	}
	if c.Telegram.TestServers && len(c.Telegram.DCs) > 0 {
		bad("telegram-test-servers", "cannot be combined with --telegram-dc, which already says where to connect")
	}
	return errors.Join(errs...)
}
