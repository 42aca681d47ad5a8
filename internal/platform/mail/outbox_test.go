package mail

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOutboxWritesListsAndReadsMessages(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	box := Outbox{Dir: dir}
	subjects := []string{"First notice", "Deuxième avis", "Третье уведомление"}
	for i, subject := range subjects {
		m := testMessage(i)
		m.From = "Secretariat <secretariat@cybernorms.example>"
		m.Subject = subject
		if err := box.Send(context.Background(), m); err != nil {
			t.Fatalf("Send: %v", err)
		}
		time.Sleep(time.Millisecond) // distinct timestamps in the names
	}

	files, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(subjects) {
		t.Errorf("%d files in the outbox, want %d (no temporary files left)", len(files), len(subjects))
	}
	for _, f := range files {
		if info, err := f.Info(); err != nil || info.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is readable by others: %v", f.Name(), info.Mode())
		}
	}

	all, err := List(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(subjects) {
		t.Fatalf("List returned %d entries, want %d", len(all), len(subjects))
	}
	for i, e := range all {
		want := subjects[len(subjects)-1-i]
		if e.Subject != want {
			t.Errorf("entry %d has subject %q, want %q (newest first)", i, e.Subject, want)
		}
		if e.Date.IsZero() || !strings.HasSuffix(e.Name, ".eml") {
			t.Errorf("entry %d = %+v", i, e)
		}
	}
	if all[0].To != "delegate2@foreign-ministry.example" {
		t.Errorf("newest entry To = %q", all[0].To)
	}

	limited, err := List(dir, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(limited) != 2 || limited[0].Name != all[0].Name || limited[1].Name != all[1].Name {
		t.Errorf("List(dir, 2) = %+v, want the two newest", limited)
	}

	p, err := Read(dir, all[0].Name)
	if err != nil {
		t.Fatal(err)
	}
	want := testMessage(2)
	if p.Name != all[0].Name || p.Subject != subjects[2] || p.From != "Secretariat <secretariat@cybernorms.example>" ||
		p.To != want.To || p.Text != want.Text+"\n" || p.HTML != want.HTML+"\n" || p.MessageID == "" {
		t.Errorf("Read = %+v", p)
	}
	if p.Header.Get("List-Unsubscribe") != want.Headers["List-Unsubscribe"] {
		t.Errorf("List-Unsubscribe = %q", p.Header.Get("List-Unsubscribe"))
	}
}

func TestOutboxRefusesInvalidMessages(t *testing.T) {
	dir := t.TempDir()
	m := testMessage(1)
	m.From = "secretariat@cybernorms.example"
	m.Subject = "Hello\r\nBcc: everyone@example.org"
	if err := (Outbox{Dir: dir}).Send(context.Background(), m); !errors.Is(err, ErrHeaderInjection) {
		t.Errorf("Send = %v, want ErrHeaderInjection", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m.Subject = "Hello"
	if err := (Outbox{Dir: dir}).Send(ctx, m); !errors.Is(err, context.Canceled) {
		t.Errorf("Send with a cancelled context = %v, want context.Canceled", err)
	}
	if entries, _ := List(dir, 0); len(entries) != 0 {
		t.Errorf("outbox holds %d messages, want none", len(entries))
	}
}

func TestReadRefusesNamesOutsideTheOutbox(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "outbox")
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	secret := "From: a@b.example\r\nTo: c@d.example\r\nSubject: secret\r\n\r\nsecret\r\n"
	if err := os.WriteFile(filepath.Join(root, "secret.eml"), []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "secret.eml"), filepath.Join(dir, "link.eml")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		file string
		want error
	}{
		{"a parent reference", "../secret.eml", ErrBadOutboxName},
		{"a bare parent", "..", ErrBadOutboxName},
		{"an absolute path", filepath.Join(root, "secret.eml"), ErrBadOutboxName},
		{"a sub-folder", "sub/secret.eml", ErrBadOutboxName},
		{"a backslash path", `..\secret.eml`, ErrBadOutboxName},
		{"dots inside the name", "a..eml", ErrBadOutboxName},
		{"an empty name", "", ErrBadOutboxName},
		{"a hidden temporary file", ".tmp-123.eml", ErrBadOutboxName},
		{"another extension", "passwd", ErrBadOutboxName},
		{"a NUL byte", "a\x00.eml", ErrBadOutboxName},
		{"a symbolic link out of the folder", "link.eml", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Read(dir, tt.file)
			if err == nil {
				t.Fatalf("Read(%q) = %+v, want an error", tt.file, p)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Read(%q) = %v, want %v", tt.file, err, tt.want)
			}
		})
	}
}

func TestListOfAMissingFolderIsEmpty(t *testing.T) {
	entries, err := List(filepath.Join(t.TempDir(), "never-created"), 10)
	if err != nil || len(entries) != 0 {
		t.Errorf("List = %v, %v; want no entries and no error", entries, err)
	}
}

func TestListShowsUnreadableFilesByName(t *testing.T) {
	dir := t.TempDir()
	name := "20250304T050607.000000000Z-broken.eml"
	if err := os.WriteFile(filepath.Join(dir, name), []byte("\x00not a message"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("ignored"), 0o600); err != nil {
		t.Fatal(err)
	}
	entries, err := List(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name != name || !entries[0].Date.Equal(time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)) {
		t.Errorf("List = %+v, want the broken file with the date of its name", entries)
	}
}
