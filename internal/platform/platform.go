// Package platform bundles the shared services every feature module is
// built with, so a module's constructor takes one argument.
package platform

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/clock"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/jobs"
	cnmail "github.com/cybernorms/cybernorms/internal/platform/mail"
	"github.com/cybernorms/cybernorms/internal/platform/pdf"
	"github.com/cybernorms/cybernorms/internal/platform/seal"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// Services are the shared services.
type Services struct {
	DB     *db.DB
	Site   *web.Site
	Auth   *auth.Store
	Jobs   *jobs.Queue
	Mailer cnmail.Sender
	// Seal encrypts fields at rest (see internal/platform/seal).
	Seal *seal.Keyring
	// PDF makes PDFs with headless Chromium; it answers
	// pdf.ErrUnavailable when the server has none.
	PDF      *pdf.Renderer
	Log      *slog.Logger
	BaseURL  string
	DataDir  string
	MailFrom string
	// OutboxDir is set when mail goes to the outbox folder.
	OutboxDir string
	// Clock is the time modules read (deadlines, periods, the jobs that
	// close them) instead of time.Now, so tests and demos can move it on.
	// Nil reads the system clock.
	Clock *clock.Clock
	// TAXIIRoots are the paths of the TAXII 2.1 API roots the modules serve
	// (e.g. /taxii2/bulletin/), in the order they were added; the discovery
	// endpoint (/taxii2/) lists them all. Modules add theirs with
	// AddTAXIIRoot when they are built, before the server starts.
	TAXIIRoots []string
}

// AddTAXIIRoot adds a module's TAXII 2.1 API root (a path ending in /) to
// those the discovery endpoint lists.
func (s *Services) AddTAXIIRoot(path string) {
	for _, p := range s.TAXIIRoots {
		if p == path {
			return
		}
	}
	s.TAXIIRoots = append(s.TAXIIRoots, path)
}

// Now is the application's current time in UTC (Clock's, else the system's).
func (s *Services) Now() time.Time { return s.Clock.Now() }

// DataLicence is the licence of everything the platform publishes openly —
// the public answers of the API, its pages' public content and the open-data
// releases: Creative Commons Attribution 4.0 International. (The code is
// under the Apache License 2.0, in LICENSE.) Content a State or organisation
// marks confidential or restricted is never published, so never licensed.
var DataLicence = struct{ ID, Name, URL string }{
	ID:   "CC-BY-4.0",
	Name: "Creative Commons Attribution 4.0 International",
	URL:  "https://creativecommons.org/licenses/by/4.0/",
}

// JobSendMail is the job kind that delivers one queued message.
const JobSendMail = "mail.send"

// QueueMail queues a message inside tx: it is sent if and only if the write
// that caused it commits, and retried with backoff if the relay fails.
func (s *Services) QueueMail(ctx context.Context, tx db.Querier, m cnmail.Message) error {
	if m.From == "" {
		m.From = s.MailFrom
	}
	if m.MessageID == "" {
		domain := "cybernorms.invalid"
		if a, err := mail.ParseAddress(m.From); err == nil {
			if _, d, ok := strings.Cut(a.Address, "@"); ok {
				domain = d
			}
		}
		m.MessageID = cnmail.NewMessageID(domain)
	}
	if err := m.Validate(); err != nil {
		return fmt.Errorf("queue mail: %w", err)
	}
	_, err := jobs.Enqueue(ctx, tx, JobSendMail, m, jobs.Options{UniqueKey: "mail:" + m.MessageID})
	return err
}

// RegisterMailJob installs the handler that sends queued mail.
func (s *Services) RegisterMailJob() {
	s.Jobs.Register(JobSendMail, func(ctx context.Context, payload json.RawMessage) error {
		var m cnmail.Message
		if err := json.Unmarshal(payload, &m); err != nil {
			return jobs.Permanent(err)
		}
		err := s.Mailer.Send(ctx, m)
		if err != nil && cnmail.IsPermanent(err) {
			return jobs.Permanent(err)
		}
		return err
	})
	s.Jobs.RegisterRedactor(JobSendMail, func(payload json.RawMessage) json.RawMessage {
		var m cnmail.Message
		if json.Unmarshal(payload, &m) != nil || len(m.Secrets) == 0 {
			return payload
		}
		out, err := json.Marshal(m.Redacted())
		if err != nil {
			return payload
		}
		return out
	})
}

// Link makes an absolute URL to a path on the site, for e-mails.
func (s *Services) Link(path string) string { return s.BaseURL + path }
