package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/telegramate/telegramate/internal/config"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/tokens"
	"github.com/telegramate/telegramate/internal/users"
)

const tokenSummary = `Commands:
  create  create an API token for a user and print it (--email, --name)
  list    list a user's tokens (--email)
  revoke  revoke a token (--email, --id)`

func runToken(ctx context.Context, e *env, args []string) error {
	return subcommand(e, "token", args, map[string]func([]string) error{
		"create": func(a []string) error { return tokenCreate(ctx, e, a) },
		"list":   func(a []string) error { return tokenList(ctx, e, a) },
		"revoke": func(a []string) error { return tokenRevoke(ctx, e, a) },
	}, tokenSummary)
}

// tokenOwner opens the store and finds the user named by --email.
func tokenOwner(ctx context.Context, e *env, cfg *config.Config, email string) (*tokens.Service, store.User, func() error, error) {
	st, err := openStore(ctx, cfg, logger(e, cfg))
	if err != nil {
		return nil, store.User{}, nil, err
	}
	u, err := users.New(st, users.Options{}).ByEmail(ctx, email)
	if err != nil {
		st.Close()
		return nil, store.User{}, nil, err
	}
	return tokens.New(st), u, st.Close, nil
}

func tokenCreate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "token create", `token create --email EMAIL --name NAME [--expires 90d]

Creates an API token for the user and prints it, and nothing else, on
standard output, so scripts can capture it:

  TOKEN=$(telegramate token create --email me@example.com --name ci)
  curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8080/api/v1/me

The token is shown only this once; Telegramate keeps only its hash.`)
	cfg := config.RegisterData(fs)
	email := fs.String("email", "", "the token owner's email (required)")
	name := fs.String("name", "", "what the token is for (required)")
	expires := fs.String("expires", "", "how long the token works, e.g. 90d or 12h (default: until revoked)")
	if err := parse(e, fs, cfg, args); err != nil {
		return err
	}
	validFor, err := parseExpiry(*expires)
	if err != nil {
		fmt.Fprintf(e.stderr, "telegramate token create: --expires: %v\n", err)
		return errUsage
	}
	if err := required(e, fs, "email", *email); err != nil {
		return err
	}
	if err := required(e, fs, "name", *name); err != nil {
		return err
	}
	svc, u, closeStore, err := tokenOwner(ctx, e, cfg, *email)
	if err != nil {
		return err
	}
	defer closeStore()
	plain, _, err := svc.CreateExpiring(ctx, u.ID, *name, validFor)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, plain.Reveal())
	return nil
}

func tokenList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "token list", "token list --email EMAIL\n\nLists a user's API tokens, revoked ones included.")
	cfg := config.RegisterData(fs)
	email := fs.String("email", "", "the owner's email (required)")
	if err := parse(e, fs, cfg, args); err != nil {
		return err
	}
	if err := required(e, fs, "email", *email); err != nil {
		return err
	}
	svc, u, closeStore, err := tokenOwner(ctx, e, cfg, *email)
	if err != nil {
		return err
	}
	defer closeStore()
	list, err := svc.List(ctx, u.ID)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tTOKEN\tCREATED\tLAST USED\tSTATUS")
	for _, t := range list {
		status, used := "active", "never"
		switch {
		case !t.RevokedAt.IsZero():
			status = "revoked " + t.RevokedAt.UTC().Format("2006-01-02 15:04")
		case !t.ExpiresAt.IsZero() && !time.Now().Before(t.ExpiresAt):
			status = "expired " + t.ExpiresAt.UTC().Format("2006-01-02 15:04")
		case !t.ExpiresAt.IsZero():
			status = "active until " + t.ExpiresAt.UTC().Format("2006-01-02 15:04")
		}
		if !t.LastUsedAt.IsZero() {
			used = t.LastUsedAt.UTC().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s…\t%s\t%s\t%s\n", t.ID, t.Name, t.Prefix, t.CreatedAt.UTC().Format("2006-01-02 15:04"), used, status)
	}
	return tw.Flush()
}

func tokenRevoke(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "token revoke", "token revoke --email EMAIL --id ID\n\nRevokes one of the user's tokens; requests using it are refused from now on.")
	cfg := config.RegisterData(fs)
	email := fs.String("email", "", "the owner's email (required)")
	id := fs.Int64("id", 0, "the token's id, from 'token list' (required)")
	if err := parse(e, fs, cfg, args); err != nil {
		return err
	}
	if err := required(e, fs, "email", *email); err != nil {
		return err
	}
	if *id <= 0 {
		return required(e, fs, "id", "")
	}
	svc, u, closeStore, err := tokenOwner(ctx, e, cfg, *email)
	if err != nil {
		return err
	}
	defer closeStore()
	if err := svc.Revoke(ctx, u.ID, *id); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Token %d revoked.\n", *id)
	return nil
}

// parseExpiry reads --expires: a Go duration (12h) or a number of days
// (90d); empty means never.
func parseExpiry(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("%q: want a number of days such as 90d, or a duration such as 12h", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q: want a number of days such as 90d, or a duration such as 12h", s)
	}
	return d, nil
}
