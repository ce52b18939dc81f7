package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/config"
	"github.com/telegramate/telegramate/internal/users"
	"github.com/telegramate/telegramate/internal/workspaces"
)

const workspaceSummary = `Commands:
  list        list a user's workspaces and their role in each (--email)
  add-member  add an existing user to a workspace with a role (--workspace, --email, --role)`

// The web has no way yet to add a member (invitations come next: adding by
// email there would tell who has an account); the instance's operator, who
// sees the database anyway, can.
func runWorkspace(ctx context.Context, e *env, args []string) error {
	return subcommand(e, "workspace", args, map[string]func([]string) error{
		"list":       func(a []string) error { return workspaceList(ctx, e, a) },
		"add-member": func(a []string) error { return workspaceAddMember(ctx, e, a) },
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
