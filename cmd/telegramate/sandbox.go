package main

import (
	"context"
	"errors"
)

// runSandbox is wired to sandbox.RunCommand once the sandbox package
// provides it.
func runSandbox(ctx context.Context, e *env, args []string) error {
	return errors.New("sandbox: not available in this build yet")
}
