package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/config"
	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/users"
	"github.com/telegramate/telegramate/internal/web/server"
)

const demoUsage = `demo [flags]

Runs Telegramate against a built-in Telegram sandbox (a data center on
loopback with sample groups, channels and accounts), in its own data
directory, and prints how to log in and which API credentials, phone
numbers and codes to use when connecting an account. Nothing reaches the
real Telegram. Stop it with Ctrl+C; run it again to continue where you left.`

const (
	demoDataDir  = "./telegramate-demo"
	demoEmail    = "demo@example.com"
	demoPassword = "telegramate-demo"
)

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "demo", demoUsage)
	cfg := config.Register(fs)
	// Keep the demo's data away from a real instance's default folder,
	// and say so in --help.
	dataDir := fs.Lookup("data-dir")
	dataDir.DefValue = demoDataDir
	_ = dataDir.Value.Set(demoDataDir)
	fs.Usage = demoHelp(fs)
	email := fs.String("email", demoEmail, "the demo user's email")
	password := fs.String("password", demoPassword, "the demo user's password (set on every start)")
	if err := parse(e, fs, cfg, args); err != nil {
		return err
	}
	if len(cfg.Telegram.DCs) > 0 || cfg.Telegram.TestServers || cfg.Telegram.PublicKeyFile != "" {
		return errors.New("demo: runs its own sandbox; use 'serve' to choose Telegram servers")
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return err
	}
	log := logger(e, cfg)

	// The state file keeps the sandbox's auth keys, so Telegram sessions
	// stored by Telegramate stay valid across demo restarts.
	sb, err := sandbox.Start(ctx, sandbox.DemoWorld(), sandbox.Options{
		Listen:    "127.0.0.1:0",
		Control:   "127.0.0.1:0",
		StateFile: filepath.Join(cfg.DataDir, "sandbox-state.json"),
		Logger:    log,
	})
	if err != nil {
		return fmt.Errorf("demo: start sandbox: %w", err)
	}
	defer sb.Close()
	keyFile := filepath.Join(cfg.DataDir, "sandbox-key.pem")
	if err := os.WriteFile(keyFile, sb.PublicKeyPEM(), 0o644); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	for id, addr := range sb.DCs() {
		cfg.Telegram.DCs = append(cfg.Telegram.DCs, config.DC{ID: id, Addr: addr})
	}
	slices.SortFunc(cfg.Telegram.DCs, func(a, b config.DC) int { return a.ID - b.ID })
	cfg.Telegram.PublicKeyFile = keyFile

	if err := demoUser(ctx, cfg, *email, *password); err != nil {
		return err
	}
	return server.Run(ctx, server.Options{
		Config:  cfg,
		Logger:  log,
		Version: version,
		Ready: func(addr net.Addr) {
			printDemo(e, "http://"+addr.String(), *email, *password, sb)
		},
	})
}

// demoHelp is --help without the --telegram-* flags, which the demo
// refuses: its sandbox is its Telegram.
func demoHelp(fs *flag.FlagSet) func() {
	return func() {
		shown := flag.NewFlagSet(fs.Name(), flag.ContinueOnError)
		shown.SetOutput(fs.Output())
		fs.VisitAll(func(f *flag.Flag) {
			if !strings.HasPrefix(f.Name, "telegram-") {
				shown.Var(f.Value, f.Name, f.Usage)
				shown.Lookup(f.Name).DefValue = f.DefValue
			}
		})
		fmt.Fprintf(fs.Output(), "Usage: telegramate %s\n\nFlags:\n", strings.TrimSpace(demoUsage))
		shown.PrintDefaults()
	}
}

// demoUser makes sure the demo user exists with the announced password.
func demoUser(ctx context.Context, cfg *config.Config, email, password string) error {
	st, err := openStore(ctx, cfg, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := users.New(st, users.Options{})
	_, err = svc.Create(ctx, users.NewUser{Email: email, Password: password})
	if errors.Is(err, users.ErrEmailTaken) {
		err = svc.SetPassword(ctx, email, password)
	}
	if e, ok := apperr.As(err); ok {
		return fmt.Errorf("demo user: %s", e.Message)
	}
	return err
}

func printDemo(e *env, url, email, password string, sb *sandbox.Server) {
	w := e.stdout
	fmt.Fprintf(w, "Telegramate demo is running at %s\n", url)
	fmt.Fprintf(w, "  Log in as %s with the password %q.\n\n", email, password)
	// The path the help article describes: the dashboard's yellow alert.
	fmt.Fprintln(w, "Connect a sandbox Telegram account (the dashboard's yellow alert → Connect")
	fmt.Fprintln(w, "Telegram Account) with one of these API credential sets (each connects one account):")
	for _, a := range sb.World().Apps {
		fmt.Fprintf(w, "  API ID %d, API Hash %s\n", a.APIID, a.APIHash)
	}
	fmt.Fprintln(w, "and one of these phone numbers, then its login code (and 2FA password):")
	for _, u := range sb.World().Users {
		if u.Phone == "" || u.Bot || u.Deleted {
			continue
		}
		line := fmt.Sprintf("  phone +%s (%s)", strings.TrimPrefix(u.Phone, "+"), strings.TrimSpace(u.FirstName+" "+u.LastName))
		if code := testCode(u.Phone); code != "" {
			line += ", code " + code
		}
		if u.Password != "" {
			line += fmt.Sprintf(", 2FA password %q", u.Password)
		}
		fmt.Fprintln(w, line)
	}
	if c := sb.ControlURL(); c != "" {
		fmt.Fprintf(w, "Login codes sent so far: %s/codes\n", c)
	}
	fmt.Fprintln(w, "Press Ctrl+C to stop.")
}

// testCode follows Telegram's test-number convention: 99966XYYYY gets the
// login code XXXXX.
func testCode(phone string) string {
	p := strings.TrimPrefix(phone, "+")
	if len(p) == 10 && strings.HasPrefix(p, "99966") {
		return strings.Repeat(p[5:6], 5)
	}
	return ""
}
