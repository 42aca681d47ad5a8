package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/cybernorms/cybernorms/internal/demo"
)

// demoCmd fills the database with demonstration data:
// cybernorms demo [--scale N] [--seed S] [--force].
// Arguments are checked before the database is opened, so bad input writes
// nothing.
func demoCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var probe demo.Options
	shared, own := splitArgs(args, probe.FlagSet(io.Discard))
	opt, err := demo.ParseArgs(own, stderr)
	if err != nil {
		return err
	}
	cfg, log, err := load(shared, stderr)
	if err != nil {
		return err
	}
	// CYBERNORMS_DEMO_CPUPROFILE=FILE writes a CPU profile of the run, for
	// finding where the demo's time goes (go tool pprof FILE).
	if path := os.Getenv("CYBERNORMS_DEMO_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	if _, err := demo.Run(ctx, cfg, log, opt, demo.Default(), stdout); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nDemo accounts (password %q; secretariat and State accounts enrol a TOTP second factor at first sign-in):\n", demo.Password)
	for _, a := range demo.Accounts() {
		scope := a.Scope
		if a.Role == "stakeholder" {
			scope = "first " + a.Scope + " organisation"
		}
		fmt.Fprintf(stdout, "  %-40s %-15s %s\n", a.Email, a.Role, scope)
	}
	fmt.Fprintln(stdout, "\nStart the server with: cybernorms serve "+strings.Join(shared, " "))
	return nil
}
