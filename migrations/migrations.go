// Package migrations holds the SQL schema, one file per step, embedded in
// the binary. See internal/platform/db for the naming rules.
//
// Version ranges by module keep parallel work from colliding:
// 0001–0099 platform, 0100–0199 framework and States, 0200–0299 reporting,
// 0300–0399 compendium and monitoring, 0400–0499 participation,
// 0500–0599 bulletin, 0600–0699 demo, 0700–0799 positions, 0800–0899
// capacity and events, 0900–0999 contacts, 1000–1099 incidents,
// 1100–1199 vulnerability equities, 1200–1299 open data.
package migrations

import "embed"

// FS is the set of migration files.
//
//go:embed *.sql
var FS embed.FS
