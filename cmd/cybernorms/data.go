package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/cybernorms/cybernorms/internal/app"
	"github.com/cybernorms/cybernorms/internal/opendata"
)

// dataCmd makes an open-data release now: `cybernorms data release`.
func dataCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const use = "usage: cybernorms data release"
	if len(args) == 0 || args[0] != "release" {
		return errors.New(use)
	}
	fs := flag.NewFlagSet("data release", flag.ContinueOnError)
	fs.SetOutput(stderr)
	shared, own := splitArgs(args[1:], fs)
	if err := fs.Parse(own); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return errors.New(use)
	}
	cfg, _, err := load(shared, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	d, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer d.Close()
	a, err := app.New(ctx, cfg, d, log)
	if err != nil {
		return err
	}
	defer a.Close()
	rel, err := a.Data.Service().CreateRelease(cliActor(ctx), opendata.MadeByCLI)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "release %s: %d bytes, sha256 %s\n%s\n", rel.Version, rel.Bytes, rel.SHA256, rel.URL)
	for _, c := range rel.Changes {
		fmt.Fprintf(stdout, "  %-24s +%d ~%d -%d\n", c.Dataset, c.Added, c.Changed, c.Withdrawn)
	}
	return nil
}
