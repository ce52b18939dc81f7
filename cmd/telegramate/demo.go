package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/config"
	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/users"
	"github.com/telegramate/telegramate/internal/web/server"
)

const demoUsage = `demo [flags]

Runs Telegramate against a built-in Telegram sandbox (a data center on
loopback with sample groups, channels and accounts), in its own data
directory, and prints how to log in and, for each sandbox phone, its login
code, 2FA password and API credential set to use when connecting it. The
login codes sent so far are at /demo/codes on the same address. Nothing
reaches the real Telegram. Stop it with Ctrl+C; run it again to continue
where you left.`

const (
	demoDataDir  = "./telegramate-demo"
	demoEmail    = "demo@example.com"
	demoPassword = "telegramate-demo"
	// demoLatency is about a round trip to Telegram: it lets a newcomer see
	// the progress bar of the big group's extraction move.
	demoLatency = 30 * time.Millisecond
	// demoCodesPath is the login-codes page, on the product's own address
	// so its link stays the same across restarts.
	demoCodesPath = "/demo/codes"
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
	latency := fs.Duration("latency", demoLatency, "delay every sandbox answer by this much, like a round trip to Telegram (0 for none)")
	if err := parse(e, fs, cfg, args); err != nil {
		return err
	}
	if *latency < 0 {
		return fmt.Errorf("demo: --latency %s is negative; give a delay such as 30ms, or 0 for none", *latency)
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
		StateFile: filepath.Join(cfg.DataDir, "sandbox-state.json"),
		Logger:    log,
		Latency:   *latency,
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

	connected, err := demoUser(ctx, cfg, *email, *password)
	if err != nil {
		return err
	}
	accounts, err := demoAccounts(sb.World())
	if err != nil {
		return err
	}
	return server.Run(ctx, server.Options{
		Config:  cfg,
		Logger:  log,
		Version: version,
		Routes: func(mux *http.ServeMux) {
			mux.Handle("GET "+demoCodesPath, demoCodes(accounts, sb))
		},
		Ready: func(addr net.Addr) {
			printDemo(e, "http://"+addr.String(), *email, *password, accounts, connected, *latency)
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

// demoUser makes sure the demo user exists with the announced password,
// and says which phones (digits) it has connected already: a restarted
// demo keeps its accounts, and its summary must say so.
func demoUser(ctx context.Context, cfg *config.Config, email, password string) (map[string]bool, error) {
	st, err := openStore(ctx, cfg, nil)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	svc := users.New(st, users.Options{})
	u, err := svc.Create(ctx, users.NewUser{Email: email, Password: password, Admin: true})
	if errors.Is(err, users.ErrEmailTaken) {
		// Setting the password ends the user's sessions: only a changed
		// one is set, so a restart keeps the demo user logged in.
		if u, err = svc.ByEmail(ctx, email); err == nil {
			if same, _, _ := users.VerifyPassword(password, u.PasswordHash); !same {
				err = svc.SetPassword(ctx, email, password)
			}
		}
	}
	if e, ok := apperr.As(err); ok {
		return nil, fmt.Errorf("demo user: %s", e.Message)
	}
	if err != nil {
		return nil, err
	}
	mine, err := st.ListAccounts(ctx, u.ID)
	if err != nil {
		return nil, fmt.Errorf("demo user's accounts: %w", err)
	}
	connected := map[string]bool{}
	for _, a := range mine {
		if a.Status != store.AccountPending && a.Status != store.AccountDisconnected {
			connected[a.Phone] = true
		}
	}
	return connected, nil
}

func printDemo(e *env, url, email, password string, accounts []demoAccount, connected map[string]bool, latency time.Duration) {
	w := e.stdout
	fmt.Fprintf(w, "Telegramate demo is running at %s\n", url)
	fmt.Fprintf(w, "  Log in as %s with the password %q.\n\n", email, password)
	n := 0
	for _, a := range accounts {
		if connected[strings.TrimPrefix(a.Phone, "+")] {
			n++
		}
	}
	switch {
	case n == 0:
		// The path the help article describes: the dashboard's yellow alert.
		fmt.Fprintln(w, "Connect a sandbox Telegram account: the dashboard's yellow alert → Connect Telegram Account.")
	case n < len(accounts):
		fmt.Fprintf(w, "%d of the %d sandbox accounts are connected; connect another from Accounts → Connect Telegram Account.\n", n, len(accounts))
	default:
		fmt.Fprintf(w, "All %d sandbox accounts are connected: extract a group's members, then send a campaign.\n", n)
	}
	fmt.Fprintln(w, "Each phone has an API credential set of its own (one set connects one account):")
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  Phone\tName\tCode\t2FA password\tAPI ID\tAPI Hash")
	for _, a := range accounts {
		pw := "-"
		if a.Password != "" {
			pw = a.Password
		}
		name := a.Name
		if connected[strings.TrimPrefix(a.Phone, "+")] {
			name += " (connected)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%d\t%s\n", a.Phone, name, a.Code, pw, a.APIID, a.APIHash)
	}
	_ = tw.Flush()
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Login codes sent so far: %s%s\n", url, demoCodesPath)
	if latency > 0 {
		fmt.Fprintf(w, "The sandbox answers every call after %s, like a round trip to Telegram (--latency changes it).\n", latency)
	}
	fmt.Fprintln(w, "Press Ctrl+C to stop.")
}

// demoAccount is one sandbox phone and what connecting it takes.
type demoAccount struct {
	Phone, Name, Code, Password string
	APIID                       int
	APIHash                     string
}

// demoAccounts pairs the world's phones with its API credential sets, in
// order: one set connects one account, so each phone needs its own.
func demoAccounts(w *sandbox.World) ([]demoAccount, error) {
	var out []demoAccount
	for _, u := range w.Users {
		if u.Phone == "" || u.Bot || u.Deleted {
			continue
		}
		if len(out) == len(w.Apps) {
			return nil, fmt.Errorf("demo world: %d API credential sets for more phones; add one per phone", len(w.Apps))
		}
		app := w.Apps[len(out)]
		out = append(out, demoAccount{
			Phone: "+" + strings.TrimPrefix(u.Phone, "+"), Name: strings.TrimSpace(u.FirstName + " " + u.LastName),
			Code: testCode(u.Phone), Password: u.Password, APIID: app.APIID, APIHash: app.APIHash,
		})
	}
	return out, nil
}

var demoCodesPage = template.Must(template.New("codes").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="5">
<title>Demo login codes · Telegramate</title>
<link rel="stylesheet" href="/static/vendor/bootstrap/bootstrap.min.css"></head>
<body class="bg-body-tertiary"><main class="container py-4" style="max-width: 60rem">
<h1 class="h3">Demo login codes</h1>
<p class="text-body-secondary">The sandbox's phones, what connecting each takes, and the last login code the
sandbox sent to it (this page refreshes every 5 seconds). <a href="/">Back to Telegramate</a></p>
<div class="table-responsive"><table class="table table-sm bg-body align-middle" id="demo-codes">
<thead><tr><th>Phone</th><th>Name</th><th>Last code sent</th><th>2FA password</th><th>API ID</th><th>API Hash</th></tr></thead>
<tbody>{{range .}}<tr><td class="text-nowrap">{{.Phone}}</td><td>{{.Name}}</td>
<td>{{if .Sent}}<code class="fs-6">{{.Sent}}</code>{{else}}<span class="text-body-secondary">none yet</span>{{end}}</td>
<td>{{if .Password}}<code>{{.Password}}</code>{{else}}<span class="text-body-secondary">none</span>{{end}}</td>
<td><code>{{.APIID}}</code></td><td><code>{{.APIHash}}</code></td></tr>{{end}}</tbody>
</table></div></main></body></html>
`))

// demoCodes serves the login-codes page from the product's own address.
func demoCodes(accounts []demoAccount, sb *sandbox.Server) http.Handler {
	type row struct {
		demoAccount
		Sent string
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rows := make([]row, len(accounts))
		for i, a := range accounts {
			rows[i].demoAccount = a
			rows[i].Sent, _ = sb.Code(sandbox.NormalizePhone(a.Phone))
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if err := demoCodesPage.Execute(w, rows); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
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
