package main

import (
	"context"
	"fmt"
	"net/url"
	"text/tabwriter"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/config"
	"github.com/telegramate/telegramate/internal/users"
	"github.com/telegramate/telegramate/internal/workspaces"
)

const workspaceSummary = `Commands:
  list        list a user's workspaces and their role in each (--email)
  add-member  add an existing user to a workspace with a role (--workspace, --email, --role)
  invite      invite an email to a workspace with a role and print the one-time link (--workspace, --email, --role, --base-url)`

// add-member is the instance operator's shortcut (they see the database
// anyway, so it may tell who has an account); invite is what the members
// page does, for scripts that set up a team.
func runWorkspace(ctx context.Context, e *env, args []string) error {
	return subcommand(e, "workspace", args, map[string]func([]string) error{
		"list":       func(a []string) error { return workspaceList(ctx, e, a) },
		"add-member": func(a []string) error { return workspaceAddMember(ctx, e, a) },
		"invite":     func(a []string) error { return workspaceInvite(ctx, e, a) },
	}, workspaceSummary)
}

func workspaceList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "workspace list", "workspace list --email EMAIL\n\nLists the user's workspaces with their role in each.")
	cfg := config.RegisterData(fs)
	email := fs.String("email", "", "the user's email (required)")
	if err := parse(e, fs, cfg, args); err != nil {
		return err
	}
	if err := required(e, fs, "email", *email); err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, logger(e, cfg))
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := users.New(st, users.Options{}).ByEmail(ctx, *email)
	if err != nil {
		return err
	}
	mine, err := workspaces.New(st).Mine(ctx, u.ID)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tROLE")
	for _, m := range mine {
		fmt.Fprintf(w, "%d\t%s\t%s\n", m.ID, m.Name, m.Role)
	}
	return w.Flush()
}

func workspaceAddMember(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "workspace add-member", `workspace add-member --workspace ID --email EMAIL --role ROLE

Adds an existing user to a workspace as an admin, operator or viewer
(telegramate workspace list --email OWNER shows the ids).`)
	cfg := config.RegisterData(fs)
	id := fs.Int64("workspace", 0, "the workspace's id (required)")
	email := fs.String("email", "", "the user to add (required)")
	role := fs.String("role", "", "admin, operator or viewer (required)")
	if err := parse(e, fs, cfg, args); err != nil {
		return err
	}
	if err := required(e, fs, "email", *email); err != nil {
		return err
	}
	if err := required(e, fs, "role", *role); err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, logger(e, cfg))
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := users.New(st, users.Options{}).ByEmail(ctx, *email)
	if err != nil {
		return err
	}
	svc := workspaces.New(st)
	if _, err := st.WorkspaceByID(ctx, *id); err != nil {
		return fmt.Errorf("workspace %d: %w", *id, err)
	}
	if err := svc.AddMember(ctx, *id, u.ID, actor.Role(*role)); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s is now %s in workspace %d\n", u.Email, *role, *id)
	return nil
}

func workspaceInvite(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "workspace invite", `workspace invite --workspace ID --email EMAIL --role ROLE --base-url URL

Invites EMAIL to the workspace as an admin, operator or viewer and prints
the invitation's link: pass it on; it works once, for 7 days. Whoever
opens it signs up or logs in and joins. The members page lists and
revokes pending invitations.`)
	cfg := config.RegisterData(fs)
	id := fs.Int64("workspace", 0, "the workspace's id (required; telegramate workspace list --email OWNER shows it)")
	email := fs.String("email", "", "who to invite (required)")
	role := fs.String("role", "", "admin, operator or viewer (required)")
	base := fs.String("base-url", "", "the address people open this instance at, e.g. https://tg.example.com (required) ["+config.EnvName("base-url")+"]")
	if err := parse(e, fs, cfg, args); err != nil {
		return err
	}
	for _, f := range []struct{ name, value string }{{"email", *email}, {"role", *role}, {"base-url", *base}} {
		if err := required(e, fs, f.name, f.value); err != nil {
			return err
		}
	}
	if u, err := url.Parse(*base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--base-url %q: want an absolute http:// or https:// URL", *base)
	}
	st, err := openStore(ctx, cfg, logger(e, cfg))
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.WorkspaceByID(ctx, *id); err != nil {
		return fmt.Errorf("workspace %d: %w", *id, err)
	}
	inv, err := workspaces.New(st).Invite(ctx, *id, *email, actor.Role(*role), *base)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, inv.URL)
	fmt.Fprintf(e.stderr, "%s is invited as %s until %s: pass the link on.\n", inv.Invitation.Email, inv.Invitation.Role,
		inv.Invitation.ExpiresAt.Format("2 Jan 2006 15:04 UTC"))
	return nil
}
