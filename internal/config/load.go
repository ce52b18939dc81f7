package config

import (
	"errors"
	"flag"
	"fmt"
	"strings"
)

// Load parses args, fills flags not given there from getenv (os.Getenv in
// production), and validates. Errors name the flag or variable at fault.
func (c *Config) Load(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		env := EnvName(f.Name)
		v := getenv(env)
		if given[f.Name] || v == "" {
			return
		}
		for _, part := range envValues(f, v) {
			if err := fs.Set(f.Name, part); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", env, err))
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return c.validate()
}

// envValues splits a repeatable flag's variable on commas.
func envValues(f *flag.Flag, v string) []string {
	if _, repeatable := f.Value.(*dcList); repeatable {
		return strings.Split(v, ",")
	}
	return []string{v}
}
