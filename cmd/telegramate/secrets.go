package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"

	"github.com/telegramate/telegramate/internal/config"
	"github.com/telegramate/telegramate/internal/masterkey"
	"github.com/telegramate/telegramate/internal/secrets"
)

const secretsSummary = `Commands:
  new-key  write a new master key file, mode 0600, owned by the service user
  rotate   re-seal every stored secret with the current (first) key`

func runSecrets(ctx context.Context, e *env, args []string) error {
	return subcommand(e, "secrets", args, map[string]func([]string) error{
		"new-key": func(a []string) error { return secretsNewKey(e, a) },
		"rotate":  func(a []string) error { return secretsRotate(ctx, e, a) },
	}, secretsSummary)
}

func secretsNewKey(e *env, args []string) error {
	flags := flag.NewFlagSet("secrets new-key", flag.ContinueOnError)
	flags.SetOutput(e.stderr)
	flags.Usage = func() {
		fmt.Fprint(flags.Output(), `Usage: telegramate secrets new-key --file FILE [--owner USER]

Writes a new random master key to FILE with mode 0600 and prints its id. It
never overwrites a file: replacing a key loses every secret it sealed. Run
as root, --owner makes the service user (e.g. telegramate) the file's owner,
so 'serve' running as that user can read it; serve refuses a key file that
group or others can read.

Keep a copy of the key with your backups, apart from them: a backup's
sealed sessions and API hashes open only with the key that sealed them.

Flags:
`)
		flags.PrintDefaults()
	}
	file := flags.String("file", "", "where to write the key (required), e.g. /etc/telegramate/secret.key")
	owner := flags.String("owner", "", "user (name or uid) to own the file; needs root (default: the user running this)")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if *file == "" || flags.NArg() > 0 {
		fmt.Fprintln(e.stderr, "telegramate secrets new-key: --file is required and takes no other argument")
		flags.Usage()
		return errUsage
	}
	uid, gid := -1, -1
	if *owner != "" {
		u, err := lookupUser(*owner)
		if err != nil {
			return fmt.Errorf("--owner %s: %w", *owner, err)
		}
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
	}
	if err := os.MkdirAll(filepath.Dir(*file), 0o755); err != nil {
		return fmt.Errorf("key file folder: %w", err)
	}
	id, err := secrets.WriteNewKeyFile(*file)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s already exists and is left as it is: replacing a key loses every secret it sealed; to rotate, see 'telegramate secrets rotate --help'", *file)
	}
	if err != nil {
		return err
	}
	if uid >= 0 && uid != os.Getuid() {
		if err := os.Chown(*file, uid, gid); err != nil {
			os.Remove(*file)
			return fmt.Errorf("give %s to %s: %w (run as root, or run this command as %s without --owner)", *file, *owner, err, *owner)
		}
	}
	fmt.Fprintf(e.stdout, "Wrote key %s to %s (mode 0600).\nKeep a copy apart from your backups: they open only with it. Use it with --secret-key-file %s.\n", id, *file, *file)
	return nil
}

// lookupUser accepts a user name or a numeric uid.
func lookupUser(s string) (*user.User, error) {
	if _, err := strconv.Atoi(s); err == nil {
		return user.LookupId(s)
	}
	return user.Lookup(s)
}

func secretsRotate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "secrets rotate", `secrets rotate [flags]

Re-seals every stored secret (API hashes, Telegram sessions, webhook
secrets) with the first key of --secret-key / --secret-key-file. To rotate:
put a new key first and keep the old one after it ("new:BASE64,old:BASE64";
a generated or unnamed old key is found by its fingerprint id whatever name
it is given here), run this, then drop the old key. Backups taken before
the rotation still need the old key: keep it as long as them.`)
	cfg := config.RegisterData(fs)
	if err := parse(e, fs, cfg, args); err != nil {
		return err
	}
	log := logger(e, cfg)
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	keys, err := masterkey.Open(ctx, st, cfg.KeyOptions(log))
	if err != nil {
		return fmt.Errorf("secret key: %w", err)
	}
	n, err := st.RewrapSealed(ctx, keys.Rewrap)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Re-sealed %d secrets with key %s.\n", n, keys.CurrentKeyID())
	return nil
}
