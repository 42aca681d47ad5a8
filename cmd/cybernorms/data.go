package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/cybernorms/cybernorms/internal/app"
	"github.com/cybernorms/cybernorms/internal/opendata"
)

const dataUse = `usage:
  cybernorms data release [--out FILE]               make a dated open-data release now; --out also writes its zip
  cybernorms data list                               the datasets: name, module, rows, title
  cybernorms data export NAME [--format csv|jsonl]   write one dataset to standard output, as /data/files serves it`

// dataCmd is `cybernorms data`: releases and datasets from the command line.
func dataCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(dataUse)
	}
	sub := args[0]
	fs := flag.NewFlagSet("data "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var out, format *string
	switch sub {
	case "release":
		out = fs.String("out", "", "also write the release's zip to this file")
	case "list":
	case "export":
		format = fs.String("format", "csv", "csv or jsonl")
	default:
		return errors.New(dataUse)
	}
	shared, own := splitArgs(args[1:], fs)
	if err := fs.Parse(own); err != nil {
		return err
	}
	name := ""
	switch {
	case sub == "export" && fs.NArg() == 1:
		name = fs.Arg(0)
		if *format != "csv" && *format != "jsonl" {
			return fmt.Errorf("--format: %q is neither csv nor jsonl", *format)
		}
	case fs.NArg() != 0:
		return errors.New(dataUse)
	case sub == "export":
		return errors.New(dataUse)
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
	svc := a.Data.Service()
	switch sub {
	case "list":
		for _, ds := range a.OpenData.All() {
			st, err := ds.Stats(ctx, d)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%-30s %-14s %9d  %s\n", ds.Name, ds.Module, st.Rows, ds.Title)
		}
		return nil
	case "export":
		ds, ok := a.OpenData.Get(strings.TrimSuffix(strings.TrimSuffix(name, ".csv"), ".jsonl"))
		if !ok {
			return fmt.Errorf("no dataset %q (cybernorms data list names them)", name)
		}
		if *format == "jsonl" {
			_, err = ds.WriteJSONL(ctx, d, stdout)
		} else {
			_, err = ds.WriteCSV(ctx, d, stdout)
		}
		return err
	}
	rel, err := svc.CreateRelease(cliActor(ctx), opendata.MadeByCLI)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "release %s: %d bytes, sha256 %s\n%s\n", rel.Version, rel.Bytes, rel.SHA256, rel.URL)
	for _, c := range rel.Changes {
		fmt.Fprintf(stdout, "  %-30s +%d ~%d -%d\n", c.Dataset, c.Added, c.Changed, c.Withdrawn)
	}
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		if err := svc.WriteZip(ctx, rel.Version, f); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		fmt.Fprintf(stdout, "written to %s\n", *out)
	}
	return nil
}
