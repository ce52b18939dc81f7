// Package config turns flags and TELEGRAMATE_* environment variables into
// a Config. A flag given on the command line wins over its variable; the
// variable's name is the flag's, upper-cased with '-' as '_' (--data-dir →
// TELEGRAMATE_DATA_DIR).
//
//	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
//	cfg := config.Register(fs) // or RegisterData for commands that only need the database
//	if err := cfg.Load(fs, args, os.Getenv); err != nil { … }
package config

import (
	"flag"
	"fmt"
	"github.com/telegramate/telegramate/internal/campaign/message"
	"net/netip"
	"strings"
	"time"

	"github.com/telegramate/telegramate/internal/secrets"
)

// Sign-up modes.
const (
	SignupOpen   = "open"
	SignupClosed = "closed"
)

// Config is everything `telegramate serve` is told.
type Config struct {
	Data
	Listen   string // host:port
	BaseURL  string // public URL, for links; empty means "as requested"
	Signup   string // SignupOpen or SignupClosed
	Telegram Telegram
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed; empty trusts nobody, and the client is the direct peer.
	TrustedProxies []netip.Prefix
	// MetricsListen serves /metrics on an address of its own (a private
	// interface); MetricsToken serves it on Listen behind a bearer token.
	// With neither, /metrics is off.
	MetricsListen string
	MetricsToken  secrets.Secret
	// OptOutKeywords are replies that unsubscribe besides the built-in
	// ones (STOP, unsubscribe, …), comma-separated as given.
	OptOutKeywords string
	// InboxReadOnTelegram marks a conversation read on Telegram too
	// (messages.readHistory) when it is read in the inbox.
	InboxReadOnTelegram bool
	// NodeID names this node to the others (account leases, River's
	// attempted_by) and to Telegram; empty means the host's name and a
	// random suffix, new at every start.
	NodeID string
	// LeaseTTL is how long a node's hold on a Telegram account lasts
	// unless renewed (every third of it): how long a dead node's accounts
	// wait before another node takes them.
	LeaseTTL time.Duration
	// NodeDeadAfter is how long a node may go unseen (it beats every
	// third of it, at most every 3 s) before the others run its jobs.
	NodeDeadAfter time.Duration
	// MaxSuppressions caps each user's suppression list.
	MaxSuppressions int
	// Quotas per workspace (today each user is one): drafts, the
	// recipients of all campaigns, the members of all member lists; and
	// how long a draft may stay unstarted.
	QuotaDrafts     int
	QuotaDeliveries int64
	QuotaMembers    int64
	DraftRetention  time.Duration
	// MediaMaxFileSize is the largest attachment taken, MediaQuota the
	// most a workspace's attachments may add up to (bytes).
	MediaMaxFileSize int64
	MediaQuota       int64
	// InboxMediaCache caps the bytes of incoming photos and files kept
	// after their first view; the least recently viewed go first.
	InboxMediaCache int64
	// WebhookAllowPrivate lets webhooks go to internal addresses
	// (loopback, private networks, link-local, metadata services), and
	// plain http to loopback.
	WebhookAllowPrivate bool
	// WebhookDisableAfter is how long a webhook fails without a success
	// before it is disabled.
	WebhookDisableAfter time.Duration
	// DrainDelay is how long a stopping node goes on serving with
	// /healthz answering 503, so a reverse proxy takes it out first.
	DrainDelay time.Duration
	// Retain is how long users' rows are kept (zero: kept).
	Retain Retain
	// SMTPURL, when set, is the server invitations are emailed through
	// (smtp://user:pass@host:port?from=…, see internal/mail); SMTPFrom is
	// the sender, else the URL's from parameter.
	SMTPURL  secrets.Secret
	SMTPFrom string

	server bool // Register (not only RegisterData) was called
}

// Data is what every command that opens the database needs.
type Data struct {
	DataDir       string
	DatabaseURL   secrets.Secret // may carry a password
	SecretKey     secrets.Secret
	SecretKeyFile string
	LogFormat     string // text or json
	LogLevel      string // debug, info, warn or error
}

// Telegram says which data centers to talk to.
type Telegram struct {
	// DCs replace Telegram's own addresses when set (a sandbox, or test
	// servers at other addresses).
	DCs []DC
	// PublicKeyFile is the PEM RSA key of those data centers.
	PublicKeyFile string
	// TestServers selects Telegram's test environment.
	TestServers bool
}

// DC is one data center address.
type DC struct {
	ID   int
	Addr string // host:port
}

func (d DC) String() string { return fmt.Sprintf("%d=%s", d.ID, d.Addr) }

// EnvPrefix starts every environment variable's name.
const EnvPrefix = "TELEGRAMATE_"

// EnvName is the variable that sets a flag.
func EnvName(flagName string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// RegisterData adds the database, secret key and log flags (for commands
// such as migrate and user create).
func RegisterData(fs *flag.FlagSet) *Config {
	c := &Config{}
	c.registerData(fs)
	return c
}

// Register adds every flag of `telegramate serve`.
func Register(fs *flag.FlagSet) *Config {
	c := RegisterData(fs)
	c.server = true
	str(fs, &c.Listen, "listen", "127.0.0.1:8080", "address the web server listens on, host:port")
	str(fs, &c.BaseURL, "base-url", "", "public URL of this instance, e.g. https://tg.example.com (default: taken from each request)")
	str(fs, &c.Signup, "signup", SignupOpen, "who may create an account: open (anyone) or closed (only 'telegramate user create' adds users)")
	fs.Var((*dcList)(&c.Telegram.DCs), "telegram-dc", help("Telegram data center address `ID=HOST:PORT`, repeatable (comma-separated in the variable); replaces Telegram's own", "telegram-dc"))
	str(fs, &c.Telegram.PublicKeyFile, "telegram-public-key", "", "PEM file with the RSA public key of the --telegram-dc data centers")
	fs.Var((*prefixList)(&c.TrustedProxies), "trusted-proxies", help("reverse proxies whose X-Forwarded-For gives the client's address (for login throttling, the activity log and request logs): comma-separated `CIDRs or IPs`, e.g. 127.0.0.1,10.0.0.0/8 (default: none, the direct peer is the client)", "trusted-proxies"))
	str(fs, &c.MetricsListen, "metrics-listen", "", "serve Prometheus /metrics on this host:port of its own, without authentication, e.g. 127.0.0.1:9090 (default: off)")
	fs.Var((*secretValue)(&c.MetricsToken), "metrics-token", help("serve /metrics on --listen too, to scrapers sending 'Authorization: Bearer `TOKEN`' (default: off)", "metrics-token"))
	str(fs, &c.OptOutKeywords, "opt-out-keywords", "", "replies that put their sender on the suppression list, besides stop, unsubscribe, stopall, cancel, end, quit and opt out: comma-separated, e.g. \"stopp,arrête\"")
	fs.BoolVar(&c.InboxReadOnTelegram, "inbox-read-on-telegram", false, help("when a conversation is read in the inbox, mark it read on Telegram too, so the person sees it read", "inbox-read-on-telegram"))
	fs.BoolVar(&c.Telegram.TestServers, "telegram-test-servers", false, help("use Telegram's test environment instead of production", "telegram-test-servers"))
	str(fs, &c.NodeID, "node-id", "", "this node's name among several sharing one PostgreSQL: letters, digits, '.', '_', '-', up to 63 (default: the host name and a random suffix, new at each start); unique among running nodes")
	fs.DurationVar(&c.LeaseTTL, "lease-ttl", 15*time.Second, help("how long a node's hold on a Telegram account lasts unless renewed (renewed every third of it): a dead node's accounts are taken over after at most this", "lease-ttl"))
	fs.DurationVar(&c.NodeDeadAfter, "node-dead-after", 10*time.Second, help("how long a node may go unseen before the other nodes run its jobs", "node-dead-after"))
	fs.IntVar(&c.QuotaDrafts, "quota-drafts", 50, help("the most campaigns not yet started a workspace (today: a user) may keep", "quota-drafts"))
	fs.Int64Var(&c.QuotaDeliveries, "quota-deliveries", 2_000_000, help("the most recipients a workspace (today: a user) may hold in all its campaigns together, ended ones included", "quota-deliveries"))
	fs.Int64Var(&c.QuotaMembers, "quota-members", 2_000_000, help("the most members a workspace (today: a user) may hold in all its member lists together; an extraction does not start once it is reached", "quota-members"))
	fs.DurationVar(&c.DraftRetention, "draft-retention", 30*24*time.Hour, help("how long a campaign may stay an unstarted draft before it is deleted, e.g. 720h", "draft-retention"))
	fs.Int64Var(&c.MediaMaxFileSize, "media-max-file-size", 50<<20, help("the largest file, in bytes, a campaign may attach (default 50 MB)", "media-max-file-size"))
	fs.Int64Var(&c.MediaQuota, "media-quota", 1<<30, help("the most bytes a workspace's stored attachments may add up to (default 1 GB)", "media-quota"))
	fs.Int64Var(&c.InboxMediaCache, "inbox-media-cache", 512<<20, help("the most bytes of incoming photos and files the inbox keeps after their first view, fetched again from Telegram once evicted, least recently viewed first (default 512 MB)", "inbox-media-cache"))
	fs.IntVar(&c.MaxSuppressions, "max-suppressions", 1_000_000, help("the most entries a user may add to their suppression list (replies such as STOP are recorded past it)", "max-suppressions"))
	fs.BoolVar(&c.WebhookAllowPrivate, "webhook-allow-private", false, help("let webhooks go to internal addresses (this machine, private networks, link-local and cloud metadata addresses) and plain http to loopback, for receivers beside the instance; off, a tenant's webhook cannot reach into the operator's network", "webhook-allow-private"))
	fs.DurationVar(&c.WebhookDisableAfter, "webhook-disable-after", 24*time.Hour, help("how long a webhook may fail (timeouts, connection errors, answers other than 2xx) without a success before it is disabled and its user told; until then it backs off", "webhook-disable-after"))
	fs.Var((*days)(&c.Retain.FinishedCampaigns), "retain-campaigns", help("delete campaigns completed or cancelled this long ago, with their deliveries (the report), e.g. 180d (default 0: keep)", "retain-campaigns"))
	fs.Var((*days)(&c.Retain.MemberLists), "retain-members", help("delete extracted member lists last written this long ago, e.g. 90d (default 0: keep); a list still being extracted stays", "retain-members"))
	fs.Var((*days)(&c.Retain.Inbox), "retain-inbox", help("delete inbox messages older than this, and conversations with no newer message, e.g. 365d (default 0: keep); answers not yet sent stay", "retain-inbox"))
	fs.Var((*days)(&c.Retain.Activity), "retain-activity", help("delete accounts' activity log entries older than this, e.g. 90d (default 0: keep)", "retain-activity"))
	c.Retain.WebhookDeliveries = 30 * 24 * time.Hour
	fs.Var((*days)(&c.Retain.WebhookDeliveries), "retain-webhook-deliveries", help("delete delivered and failed webhook deliveries finished this long ago (0: keep)", "retain-webhook-deliveries"))
	fs.Var((*secretValue)(&c.SMTPURL), "smtp-url", help("send invitations by email through this SMTP server: `URL` smtp://user:pass@host:587 (STARTTLS when offered) or smtps://…:465, with ?from=address or --smtp-from (default: off, the invitation's link is passed on by hand)", "smtp-url"))
	str(fs, &c.SMTPFrom, "smtp-from", "", "the sender of invitation emails, e.g. \"Telegramate <noreply@example.com>\" (default: the --smtp-url's from parameter)")
	fs.DurationVar(&c.DrainDelay, "drain-delay", 0, help("on SIGTERM, go on serving this long with /healthz answering 503 so a reverse proxy's health checks take the node out before it stops accepting requests, e.g. 5s (default: stop at once)", "drain-delay"))
	return c
}

func (c *Config) registerData(fs *flag.FlagSet) {
	str(fs, &c.DataDir, "data-dir", "./telegramate-data", "directory for the SQLite database and the generated secret key")
	fs.Var((*secretValue)(&c.DatabaseURL), "database-url", help("PostgreSQL `URL` (postgres://…) to share the work between nodes; empty for SQLite in --data-dir", "database-url"))
	fs.Var((*secretValue)(&c.SecretKey), "secret-key", help("master `keys` sealing API hashes and sessions: base64 of 32 bytes, or comma-separated \"id:base64\" entries, the first sealing. A flag shows in the process list to every account on the host: prefer --secret-key-file or the variable", "secret-key"))
	str(fs, &c.SecretKeyFile, "secret-key-file", "", "file holding the master key(s), same syntax, mode 0600 (default: <data-dir>/secret.key, generated)")
	str(fs, &c.LogFormat, "log-format", "text", "log format: text or json")
	str(fs, &c.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
}

func str(fs *flag.FlagSet, p *string, name, def, usage string) {
	fs.StringVar(p, name, def, help(usage, name))
}

// OptOutList is the whole list of opt-out keywords: the built-in ones
// and OptOutKeywords.
func (c *Config) OptOutList() []string {
	custom, _ := message.ParseKeywords(c.OptOutKeywords) // checked in validate
	return message.OptOutKeywords(custom)
}

func help(usage, name string) string { return usage + " [" + EnvName(name) + "]" }
