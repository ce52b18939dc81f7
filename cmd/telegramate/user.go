package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/telegramate/telegramate/internal/config"
	"github.com/telegramate/telegramate/internal/users"
)

const userSummary = `Commands:
  create    create a platform user (--email, --password, --admin)
  password  set a user's password (--email, --password)
  list      list users`

func runUser(ctx context.Context, e *env, args []string) error {
	return subcommand(e, "user", args, map[string]func([]string) error{
		"create":   func(a []string) error { return userCreate(ctx, e, a) },
		"password": func(a []string) error { return userPassword(ctx, e, a) },
		"list":     func(a []string) error { return userList(ctx, e, a) },
	}, userSummary)
}

// userService opens the store behind a users.Service; close releases it.
func userService(ctx context.Context, e *env, cfg *config.Config) (svc *users.Service, close func() error, err error) {
	st, err := openStore(ctx, cfg, logger(e, cfg))
	if err != nil {
		return nil, nil, err
	}
	return users.New(st, users.Options{}), st.Close, nil
}

func userCreate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "user create", `user create --email EMAIL [--password PASSWORD] [--admin]

Creates a platform user, whatever --signup says. Only --admin makes an
instance administrator (who sees every user's background jobs at
/admin/jobs): signing up never does, not even first. Without
--password the password is read from the first line of standard input
(so it stays out of the shell history and the process list).`)
	cfg := config.RegisterData(fs)
	email := fs.String("email", "", "the user's email address (required)")
	password := fs.String("password", "", "the password, at least 10 characters (default: read from standard input)")
	admin := fs.Bool("admin", false, "make the user an instance administrator")
	if err := parse(e, fs, cfg, args); err != nil {
		return err
	}
	if err := required(e, fs, "email", *email); err != nil {
		return err
	}
	pw, err := passwordArg(e, *password)
	if err != nil {
		return err
	}
	svc, closeStore, err := userService(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer closeStore()
	u, err := svc.Create(ctx, users.NewUser{Email: *email, Password: pw, Admin: *admin})
	if err != nil {
		return err
	}
	role := "user"
	if u.IsAdmin {
		role = "administrator"
	}
	fmt.Fprintf(e.stdout, "Created %s %s (id %d).\n", role, u.Email, u.ID)
	return nil
}

func userPassword(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "user password", `user password --email EMAIL [--password PASSWORD]

Sets a user's password. Without --password it is read from the first line of
standard input.`)
	cfg := config.RegisterData(fs)
	email := fs.String("email", "", "the user's email address (required)")
	password := fs.String("password", "", "the new password, at least 10 characters (default: read from standard input)")
	if err := parse(e, fs, cfg, args); err != nil {
		return err
	}
	if err := required(e, fs, "email", *email); err != nil {
		return err
	}
	pw, err := passwordArg(e, *password)
	if err != nil {
		return err
	}
	svc, closeStore, err := userService(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer closeStore()
	if err := svc.SetPassword(ctx, *email, pw); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Password of %s changed.\n", users.NormalizeEmail(*email))
	return nil
}

func userList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "user list", "user list\n\nLists the platform users.")
	cfg := config.RegisterData(fs)
	if err := parse(e, fs, cfg, args); err != nil {
		return err
	}
	svc, closeStore, err := userService(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer closeStore()
	list, err := svc.List(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tADMIN\tCREATED")
	for _, u := range list {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", u.ID, u.Email, yesNo(u.IsAdmin), u.CreatedAt.UTC().Format("2006-01-02 15:04"))
	}
	return tw.Flush()
}

func required(e *env, fs *flag.FlagSet, name, value string) error {
	if strings.TrimSpace(value) != "" {
		return nil
	}
	fmt.Fprintf(e.stderr, "telegramate %s: --%s is required\n", fs.Name(), name)
	fs.Usage()
	return errUsage
}

func passwordArg(e *env, flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("no password: pass --password or write it to standard input (%v)", err)
	}
	return line, nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
