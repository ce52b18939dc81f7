package main

import (
	"context"
	"fmt"

	"github.com/telegramate/telegramate/internal/config"
	"github.com/telegramate/telegramate/internal/secrets"
)

const secretsSummary = `Commands:
  rotate  re-seal every stored secret with the current (first) key`

func runSecrets(ctx context.Context, e *env, args []string) error {
	return subcommand(e, "secrets", args, map[string]func([]string) error{
		"rotate": func(a []string) error { return secretsRotate(ctx, e, a) },
	}, secretsSummary)
}

func secretsRotate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "secrets rotate", `secrets rotate [flags]

Re-seals every stored secret (API hashes, Telegram sessions) with the first
key of --secret-key / --secret-key-file. To rotate: put a new key first and
keep the old one after it ("new:BASE64,old:BASE64"), run this, then drop the
old key.`)
	cfg := config.RegisterData(fs)
	if err := parse(e, fs, cfg, args); err != nil {
		return err
	}
	log := logger(e, cfg)
	keys, err := secrets.LoadKeyring(cfg.KeyOptions(log))
	if err != nil {
		return fmt.Errorf("secret key: %w", err)
	}
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := st.RewrapSealed(ctx, keys.Rewrap)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Re-sealed %d secrets with key %s.\n", n, keys.CurrentKeyID())
	return nil
}
