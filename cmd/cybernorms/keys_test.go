package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/seal"
)

func TestKeysGenerateAndRotate(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	data := "--data-dir=" + filepath.Join(dir, "data")
	keyFile := func(name string) string {
		out, err := runCLI(t, "", "keys", "generate")
		if err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if _, err := seal.ParseKey(out); err != nil {
			t.Fatalf("generated key %q: %v", out, err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(out), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	oldFile, newFile := keyFile("old.key"), keyFile("new.key")
	if out, err := runCLI(t, "", "migrate", data); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	d, err := db.Open(ctx, filepath.Join(dir, "data", "cybernorms.db"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	load := func(cur string, prev ...string) *seal.Keyring {
		s := seal.Settings{KeyFile: cur}
		if len(prev) > 0 {
			s.PreviousKeyFile = prev[0]
		}
		k, err := seal.FromSettings(s, nil)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	ct, err := load(oldFile).Seal(ctx, d, "vep:FRA", []byte("retained"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runCLI(t, "", "keys", "rotate", data); err == nil {
		t.Fatal("rotate without keys accepted")
	}
	// Without the old key, rotation refuses (it cannot unwrap).
	if out, err := runCLI(t, "", "keys", "rotate", data, "--master-key-file", newFile); err == nil {
		t.Fatalf("rotate without the previous key: %s", out)
	}
	out, err := runCLI(t, "", "keys", "rotate", data, "--master-key-file", newFile, "--previous-master-key-file", oldFile)
	if err != nil || !strings.Contains(out, "re-wrapped 1 data keys") {
		t.Fatalf("%v: %s", err, out)
	}
	if got, err := load(newFile).Open(ctx, d, "vep:FRA", ct, nil); err != nil || string(got) != "retained" {
		t.Fatalf("after rotation: %q, %v", got, err)
	}
	if _, err := load(oldFile).Open(ctx, d, "vep:FRA", ct, nil); err == nil {
		t.Fatal("the old key still opens")
	}
}
