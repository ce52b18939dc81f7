package main

import (
	"context"
	"errors"
)

// runDemo arrives with Telegram accounts: it needs the accounts domain to
// connect the sample accounts.
func runDemo(ctx context.Context, e *env, args []string) error {
	return errors.New("demo: not yet available; it arrives with Telegram account connection")
}
