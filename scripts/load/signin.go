package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// signedInMix is who the signed-in mix signs in as, and what each asks
// for: the demo's accounts (docs/modules/demo.md), each with a personal
// API token made by `cybernorms token create` (the token path of the same
// identity check a session cookie takes: one lookup of the token's hash,
// the user, and a write of its last use at most once a minute). The
// secretariat and the States' accounts hold a second factor in a browser;
// a token is what their scripts use, and what a load test can. Requests a
// role is refused (or a module not built) are left out, as anonymous ones
// are. {report} is the State's newest report (its draft when it has one).
var signedInMix = []struct {
	name, email, role string
	paths             []string
}{
	{"secretariat", "secretariat@demo.example.org", "secretariat", []string{
		"/admin", "/admin/audit", "/admin/users", "/admin/organisations", "/bulletin/review", "/bulletin/editor",
		"/contacts/requests", "/incidents/proposals", "/reports", "/account",
		"/api/v1/audit", "/api/v1/users", "/api/v1/bulletin/items", "/api/v1/reports", "/api/v1/me", "/api/v1/contacts/requests"}},
	{"editor-fra", "editor.fra@demo.example.org", "State editor (FRA)", []string{
		"/account", "/reports", "/reports/{report}", "/reports/{report}/edit", "/contacts/requests", "/positions/following", "/vep",
		"/api/v1/me", "/api/v1/reports?state=FRA", "/api/v1/reports/{report}", "/api/v1/reports/{report}/measures", "/api/v1/contacts/requests"}},
	{"approver-ken", "approver.ken@demo.example.org", "State approver (KEN)", []string{
		"/account", "/reports", "/reports/{report}", "/contacts/requests", "/vep",
		"/api/v1/me", "/api/v1/reports?state=KEN", "/api/v1/reports/{report}", "/api/v1/contacts/requests"}},
	{"stakeholder", "member.business@demo.example.org", "stakeholder (business)", []string{
		"/account", "/bulletin", "/bulletin/contribute", "/participation",
		"/api/v1/me", "/api/v1/bulletin/items", "/api/v1/bulletin/issues"}},
}

// signinCmd makes the identities file: a token per demo account, the
// paths with the State's report filled in.
func signinCmd(ctx context.Context, args []string) error {
	fs := newFlagSet("signin")
	bin := fs.String("bin", "cybernorms", "the cybernorms binary (for `token create`)")
	dbURL := fs.String("db", "", "the app's database (SQLite file or postgres:// URL), to find each State's report")
	out := fs.String("out", "identities.json", "file to write")
	_ = fs.Parse(args)
	serverArgs := fs.Args() // --data-dir … --database-url …, for the CLI
	d, err := db.Open(ctx, *dbURL, db.Options{})
	if err != nil {
		return err
	}
	defer d.Close()
	id := identities{}
	for _, who := range signedInMix {
		cmd := exec.CommandContext(ctx, *bin, append(append([]string{"token", "create"}, serverArgs...), "--log-level", "warn", "--email", who.email, "--name", "load test")...)
		cmd.Stderr = os.Stderr
		b, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("token create --email %s: %w", who.email, err)
		}
		token := strings.TrimSpace(string(b))
		if !strings.HasPrefix(token, "cn_") {
			return fmt.Errorf("token create --email %s: no token in %q", who.email, token)
		}
		var report string
		if i := strings.IndexByte(who.email, '.'); strings.HasPrefix(who.email, "editor.") || strings.HasPrefix(who.email, "approver.") {
			iso3 := strings.ToUpper(who.email[i+1 : i+4])
			_ = d.QueryRowContext(ctx, `SELECT id FROM reports WHERE state_iso3 = ? ORDER BY CASE status WHEN 'draft' THEN 0 ELSE 1 END, cycle_year DESC LIMIT 1`, iso3).Scan(&report)
		}
		var paths []string
		for _, p := range who.paths {
			if strings.Contains(p, "{report}") {
				if report == "" {
					continue
				}
				p = strings.ReplaceAll(p, "{report}", report)
			}
			paths = append(paths, p)
		}
		id[who.name] = identity{Role: who.role, Headers: map[string]string{"Authorization": "Bearer " + token}, Paths: paths}
	}
	b, err := json.MarshalIndent(id, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(*out, b, 0o600)
}
