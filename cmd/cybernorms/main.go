// Command cybernorms is the whole platform in one binary: the web server and
// the operator's commands.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	"github.com/cybernorms/cybernorms/internal/app"
	"github.com/cybernorms/cybernorms/internal/bulletin"
	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/config"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/seal"
	"github.com/cybernorms/cybernorms/internal/states"
)

const usage = `cybernorms — the platform for the UN framework of responsible State behaviour in cyberspace

Usage:
  cybernorms serve   [flags]                 run the web server (flags: cybernorms serve -h)
  cybernorms migrate [flags]                 create or upgrade the database, then exit
  cybernorms user add --email E --name N --role R [--state ISO3 | --org SLUG] --password-stdin
  cybernorms token create --email E [--name N]
  cybernorms audit verify                    check the audit log's hash chain
  cybernorms backup FILE                     consistent online backup of the database
  cybernorms bulletin suppress FILE|-        mark bounced or complaining addresses (lines "address[,bounce|complaint]")
  cybernorms data release [--out FILE]       make a dated open-data release now (as the daily job does)
  cybernorms data list                       the open datasets with their rows
  cybernorms data export NAME [--format csv|jsonl]  one dataset to standard output
  cybernorms config                          print the configuration table (markdown)
  cybernorms openapi                         print the OpenAPI 3.1 document (as served at /api/v1/openapi.json)
  cybernorms keys generate                   print a new master key for sealed fields (base64)
  cybernorms keys rotate --master-key-file NEW --previous-master-key-file OLD
                                             re-wrap every data key under the new master key (servers keep running)
  cybernorms demo [--scale N] [--seed S] [--force]  fill an empty database with demonstration data
  cybernorms version                         print the version, the revision built from and its time (also --version)

Every command takes the server's flags or CYBERNORMS_* environment variables
(for example --database-url or --data-dir) before its own.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "cybernorms:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, rest, stderr)
	case "migrate":
		cfg, log, err := load(rest, stderr)
		if err != nil {
			return err
		}
		d, err := app.Open(ctx, cfg, log)
		if err != nil {
			return err
		}
		defer d.Close()
		fmt.Fprintln(stdout, "database is up to date")
		return nil
	case "user":
		return userCmd(ctx, rest, stdin, stdout, stderr)
	case "token":
		return tokenCmd(ctx, rest, stdout, stderr)
	case "audit":
		return auditCmd(ctx, rest, stdout, stderr)
	case "backup":
		return backupCmd(ctx, rest, stdout, stderr)
	case "demo":
		return demoCmd(ctx, rest, stdout, stderr)
	case "bulletin":
		return bulletinCmd(ctx, rest, stdin, stdout, stderr)
	case "keys":
		return keysCmd(ctx, rest, stdout, stderr)
	case "data":
		return dataCmd(ctx, rest, stdout, stderr)
	case "config":
		fmt.Fprint(stdout, config.Markdown())
		return nil
	case "openapi":
		return openapiCmd(ctx, rest, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprint(stdout, platform.Build().String())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// load parses the shared server flags that come before a command's own
// flags, and builds the logger.
func load(args []string, stderr io.Writer) (config.Config, *slog.Logger, error) {
	cfg, err := config.Load(args, os.Getenv, stderr)
	if err != nil {
		return cfg, nil, err
	}
	level := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[cfg.LogLevel]
	var h slog.Handler = slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level})
	}
	return cfg, slog.New(h), nil
}

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	cfg, log, err := load(args, stderr)
	if err != nil {
		return err
	}
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
	return a.Serve(ctx, nil)
}

// splitArgs separates the server flags (known to config) from a command's
// own flags, so "cybernorms user add --data-dir X --email Y" works.
func splitArgs(args []string, own *flag.FlagSet) (shared, rest []string) {
	known := map[string]config.Option{}
	for _, o := range config.Options {
		known[o.Flag] = o
	}
	for i := 0; i < len(args); i++ {
		name := strings.TrimLeft(args[i], "-")
		name, _, hasValue := strings.Cut(name, "=")
		if o, ok := known[name]; ok && strings.HasPrefix(args[i], "-") && own.Lookup(name) == nil {
			shared = append(shared, args[i])
			if !hasValue && !o.IsBool() && i+1 < len(args) {
				shared = append(shared, args[i+1])
				i++
			}
			continue
		}
		rest = append(rest, args[i])
	}
	return shared, rest
}

func openDB(ctx context.Context, shared []string, stderr io.Writer) (*db.DB, error) {
	cfg, log, err := load(shared, stderr)
	if err != nil {
		return nil, err
	}
	return app.Open(ctx, cfg, log)
}

func cliActor(ctx context.Context) context.Context {
	who := os.Getenv("USER")
	if who == "" {
		who = "operator"
	}
	return audit.WithActor(ctx, audit.Actor{ID: "cli", Label: who, Via: "cli"})
}

func userCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: cybernorms user add --email E --name N --role R [--state ISO3 | --org SLUG] --password-stdin")
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "e-mail address (required)")
	name := fs.String("name", "", "full name (required)")
	role := fs.String("role", "", "secretariat, state-editor, state-approver or stakeholder (required)")
	state := fs.String("state", "", "ISO 3166-1 alpha-3 code of the State, for State roles")
	org := fs.String("org", "", "organisation slug, for stakeholders")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input (required)")
	shared, own := splitArgs(args[1:], fs)
	if err := fs.Parse(own); err != nil {
		return err
	}
	if !*pwStdin {
		return errors.New("--password-stdin is required: passwords are never passed as arguments")
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password: %w", err)
	}
	r, err := auth.ParseRole(*role)
	if err != nil {
		return fmt.Errorf("--role: %w", err)
	}
	d, err := openDB(ctx, shared, stderr)
	if err != nil {
		return err
	}
	defer d.Close()
	store := &auth.Store{DB: d, KnownState: states.Known}
	u, err := store.Create(cliActor(ctx), auth.NewUser{Email: *email, Name: *name, Role: r, StateISO3: *state, OrgSlug: *org, Password: strings.TrimRight(line, "\r\n"), MustChange: true})
	var fe *auth.FieldError
	if errors.As(err, &fe) {
		return fmt.Errorf("--%s %s", fe.Field, fe.Reason)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s (%s) id %s\n", u.Email, u.Role, u.ID)
	fmt.Fprintln(stdout, "the holder must replace this password at first sign-in")
	if u.NeedsMFA() {
		fmt.Fprintln(stdout, "this role requires a second factor: it will be set up at first sign-in")
	}
	return nil
}

// keysCmd generates a master key or rotates the data keys to a new one.
// Rotation without downtime: restart the servers with the new key as
// --master-key-file and the old as --previous-master-key-file (they read
// both), run keys rotate with the same two, then drop the previous key.
func keysCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const use = "usage: cybernorms keys generate | cybernorms keys rotate --master-key-file NEW --previous-master-key-file OLD"
	if len(args) == 0 {
		return errors.New(use)
	}
	fs := flag.NewFlagSet("keys "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	shared, own := splitArgs(args[1:], fs)
	if err := fs.Parse(own); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.New(use)
	}
	switch args[0] {
	case "generate":
		fmt.Fprintln(stdout, seal.Generate())
		return nil
	case "rotate":
		cfg, log, err := load(shared, stderr)
		if err != nil {
			return err
		}
		if cfg.MasterKey == "" && cfg.MasterKeyFile == "" {
			return errors.New("keys rotate: give the new key with --master-key-file (or CYBERNORMS_MASTER_KEY) and the old one with --previous-master-key-file")
		}
		k, err := seal.FromConfig(cfg, log)
		if err != nil {
			return err
		}
		d, err := app.Open(ctx, cfg, log)
		if err != nil {
			return err
		}
		defer d.Close()
		n, err := k.Rotate(ctx, d)
		if err != nil {
			return err
		}
		if err := k.Check(ctx, d); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "re-wrapped %d data keys under master key %s; the previous master key is no longer needed once every server runs with the new one alone\n", n, k.MasterID())
		return nil
	}
	return errors.New(use)
}

func tokenCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: cybernorms token create --email E [--name N]")
	}
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "owner's e-mail address (required)")
	name := fs.String("name", "command line", "a name to recognise the token by")
	shared, own := splitArgs(args[1:], fs)
	if err := fs.Parse(own); err != nil {
		return err
	}
	d, err := openDB(ctx, shared, stderr)
	if err != nil {
		return err
	}
	defer d.Close()
	store := &auth.Store{DB: d, KnownState: states.Known}
	u, err := store.ByEmail(ctx, *email)
	if err != nil {
		return fmt.Errorf("--email: no account %q", *email)
	}
	_, secret, err := store.CreateToken(cliActor(ctx), u.ID, *name)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, secret)
	return nil
}

// bulletinCmd imports a relay's bounce and complaint export: every address
// listed gets no more mail from the bulletin's list.
func bulletinCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	const use = "usage: cybernorms bulletin suppress FILE|-"
	if len(args) == 0 || args[0] != "suppress" {
		return errors.New(use)
	}
	fs := flag.NewFlagSet("bulletin suppress", flag.ContinueOnError)
	fs.SetOutput(stderr)
	shared, own := splitArgs(args[1:], fs)
	if err := fs.Parse(own); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New(use)
	}
	in := stdin
	if name := fs.Arg(0); name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	d, err := openDB(ctx, shared, stderr)
	if err != nil {
		return err
	}
	defer d.Close()
	svc := &bulletin.Service{Services: &platform.Services{DB: d}}
	res, err := svc.ImportSuppressions(cliActor(ctx), in)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d marked, %d unknown, %d refused\n", res.Marked, res.Unknown, len(res.Errors))
	for _, e := range res.Errors {
		fmt.Fprintln(stdout, e)
	}
	return nil
}

func auditCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return errors.New("usage: cybernorms audit verify")
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	requireKeyed := fs.Bool("require-keyed", false, "fail unless every entry is keyed (set when the audit key was configured from the start)")
	shared, own := splitArgs(args[1:], fs)
	if err := fs.Parse(own); err != nil {
		return err
	}
	d, err := openDB(ctx, shared, stderr)
	if err != nil {
		return err
	}
	defer d.Close()
	rep, err := audit.VerifyReport(ctx, d)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "audit chain intact: %d entries verified\n", rep.Entries)
	switch {
	case rep.Keyed == rep.Entries && rep.Entries > 0:
		fmt.Fprintln(stdout, "every entry is keyed (HMAC-SHA-256 under the audit key)")
	case rep.Keyed > 0:
		fmt.Fprintf(stdout, "entries %d to %d are keyed; the %d before them are plain SHA-256 (written before the audit key was set)\n", rep.FirstKeyed, rep.Entries, rep.FirstKeyed-1)
	case len(d.AuditKey) > 0:
		fmt.Fprintln(stdout, "warning: no entry is keyed although an audit key is set: if the key was set before these entries were written, the chain was rewritten")
	default:
		fmt.Fprintln(stdout, "the chain is not keyed (no --audit-key-file): anyone who can write the database could recompute it")
	}
	if *requireKeyed && rep.Keyed != rep.Entries {
		return fmt.Errorf("audit chain: %d of %d entries are not keyed", rep.Entries-rep.Keyed, rep.Entries)
	}
	return nil
}

func backupCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	shared, own := splitArgs(args, fs)
	if err := fs.Parse(own); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: cybernorms backup FILE")
	}
	target := fs.Arg(0)
	if _, err := os.Stat(target); err == nil {
		return fmt.Errorf("%s already exists; choose a new file", target)
	}
	d, err := openDB(ctx, shared, stderr)
	if err != nil {
		return err
	}
	defer d.Close()
	if d.Dialect == db.SQLite {
		// VACUUM INTO writes a consistent, compacted copy while the server runs.
		if _, err := d.SQL.ExecContext(ctx, `VACUUM INTO ?`, target); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		fmt.Fprintf(stdout, "SQLite backup written to %s; restore by stopping the server and copying it to DATA_DIR/cybernorms.db\n", target)
		return nil
	}
	cfg, _, err := load(shared, stderr)
	if err != nil {
		return err
	}
	// pg_dump takes a consistent snapshot without blocking writers.
	cmd := exec.CommandContext(ctx, "pg_dump", "--format=custom", "--no-owner", "--file", target, cfg.DatabaseURL)
	cmd.Stderr = stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pg_dump: %w", err)
	}
	fmt.Fprintf(stdout, "PostgreSQL backup written to %s; restore with: pg_restore --clean --no-owner -d DATABASE_URL %s\n", target, target)
	return nil
}

// openapiCmd prints the OpenAPI document. The app is built on a throwaway
// SQLite database, so no server or database is needed (CI lints it).
func openapiCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, _, err := load(args, stderr)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "cybernorms-openapi-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg.DataDir, cfg.DatabaseURL, cfg.Workers = dir, "", 0
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
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(a.Spec.Document())
}
