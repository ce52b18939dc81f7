package sandbox

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// RunCommand is `telegramate sandbox`: it serves a world until ctx is
// cancelled and prints the switches that point the product at it.
func RunCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	worldPath := fs.String("world", "", "world file (JSON, see docs/sandbox.md)")
	generate := fs.String("generate", "", "make a world instead of reading one: members=N")
	listen := fs.String("listen", "127.0.0.1:0", "address of DC 1; DC i listens on port+i-1 (port 0: free ports)")
	control := fs.String("control", "", "address of the control HTTP endpoint, e.g. 127.0.0.1:8081")
	state := fs.String("state", "", "file that keeps auth keys and messages across restarts")
	keyOut := fs.String("public-key-out", "", "where to write the public key PEM (default: next to --state, or a temp file)")
	verbose := fs.Bool("v", false, "log every login, fault and session change")
	latency := fs.Duration("latency", 0, "delay every answer by this much, like a round trip to Telegram (e.g. 50ms)")
	fileRefTTL := fs.Duration("file-reference-ttl", 0, "make file references expire this long after they are handed out (e.g. 1h); 0 keeps them valid")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: telegramate sandbox (--world FILE | --generate members=N) [flags]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *fileRefTTL < 0 {
		return fmt.Errorf("sandbox: --file-reference-ttl %s is negative; give a duration such as 1h, or 0 for references that never expire", *fileRefTTL)
	}
	if *latency < 0 {
		return fmt.Errorf("sandbox: --latency %s is negative; give a delay such as 50ms, or 0 for none", *latency)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("sandbox: unexpected argument %q", fs.Arg(0))
	}
	w, err := commandWorld(*worldPath, *generate)
	if err != nil {
		return err
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	s, err := Start(ctx, w, Options{Listen: *listen, Control: *control, StateFile: *state, Logger: logger, Latency: *latency, FileReferenceTTL: *fileRefTTL})
	if err != nil {
		return err
	}
	defer s.Close()

	path := *keyOut
	if path == "" {
		dir := os.TempDir()
		if *state != "" {
			dir = filepath.Dir(*state)
		}
		path = filepath.Join(dir, "telegramate-sandbox-key.pem")
	}
	if err := os.WriteFile(path, s.PublicKeyPEM(), 0o644); err != nil {
		return fmt.Errorf("sandbox: write public key: %w", err)
	}
	printSummary(stdout, s, path)
	<-ctx.Done()
	return s.Close()
}

func commandWorld(path, generate string) (*World, error) {
	switch {
	case path != "" && generate != "":
		return nil, errors.New("sandbox: give --world or --generate, not both")
	case path != "":
		return LoadWorld(path)
	case generate != "":
		v, ok := strings.CutPrefix(generate, "members=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n < 0 || n > 2_000_000 {
			return nil, fmt.Errorf("sandbox: --generate %q: want members=N with N from 0 to 2000000", generate)
		}
		return GenerateWorld(n), nil
	}
	return nil, errors.New("sandbox: give --world FILE or --generate members=N")
}

func printSummary(out io.Writer, s *Server, keyPath string) {
	dcs := s.DCs()
	ids := make([]int, 0, len(dcs))
	for id := range dcs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var flags []string
	for _, id := range ids {
		flags = append(flags, fmt.Sprintf("--telegram-dc %d=%s", id, dcs[id]))
	}
	flags = append(flags, "--telegram-public-key "+keyPath)
	fmt.Fprintln(out, "Telegram sandbox is running. Point Telegramate at it with:")
	fmt.Fprintln(out, "  "+strings.Join(flags, " "))
	if u := s.ControlURL(); u != "" {
		fmt.Fprintln(out, "Control endpoint: "+u+"  (login codes: "+u+"/codes)")
	}
	for _, a := range s.world.Apps {
		fmt.Fprintf(out, "App: api_id %d, api_hash %s\n", a.APIID, a.APIHash)
	}
	for _, u := range s.world.Users {
		if u.Phone == "" {
			continue
		}
		line := fmt.Sprintf("Account: +%s (%s, DC %d) code %s", u.Phone, strings.TrimSpace(u.FirstName+" "+u.LastName), u.DC, codeFor(u.Phone))
		if u.Password != "" {
			line += fmt.Sprintf(", 2FA password %q", u.Password)
		}
		fmt.Fprintln(out, line)
	}
	if g := s.world.GenerateAccounts; g != nil {
		line := "Accounts: " + g.String()
		if p := g.FirstPhone; len(p) == 10 && strings.HasPrefix(p, "99966") {
			line += ", codes by Telegram's test convention (99966XYYYY gets XXXXX)"
		}
		fmt.Fprintln(out, line)
		if u := s.ControlURL(); u != "" {
			fmt.Fprintln(out, "  ready-made sessions: POST "+u+`/sessions/issue {"phone": "..."}`)
		}
	}
	fmt.Fprintln(out, "Press Ctrl+C to stop.")
}
