package platform

import (
	"fmt"
	"runtime/debug"
	"sync"
)

// Version is the software version. A binary built from a tagged module
// version (go install …@vX.Y.Z) reports that tag instead.
const Version = "0.1.0"

// BuildInfo is what the binary knows about how it was built: the version,
// the version-control revision and time it was built from, and whether the
// working tree had uncommitted changes. Revision and Time are empty when the
// binary was built without VCS stamping (go run, or -buildvcs=false).
type BuildInfo struct {
	Version   string `json:"version"`
	Revision  string `json:"revision,omitempty"`
	Time      string `json:"time,omitempty"`
	Modified  bool   `json:"modified,omitempty"`
	GoVersion string `json:"go"`
}

var buildOnce = sync.OnceValue(func() BuildInfo {
	b := BuildInfo{Version: Version}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	b.GoVersion = bi.GoVersion
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		b.Version = v
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
})

// Build returns the binary's build information (read once).
func Build() BuildInfo { return buildOnce() }

// Short is the version with the first twelve digits of the revision, for
// footers and logs: "0.1.0 (3f2a9c1d4e5b, modified)".
func (b BuildInfo) Short() string {
	if b.Revision == "" {
		return b.Version
	}
	rev := b.Revision
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if b.Modified {
		return fmt.Sprintf("%s (%s, modified)", b.Version, rev)
	}
	return fmt.Sprintf("%s (%s)", b.Version, rev)
}

// String is the full text `cybernorms version` prints. Go's build
// information carries the time of the commit built from, not the moment of
// the build, so that is what it says.
func (b BuildInfo) String() string {
	rev, when := b.Revision, b.Time
	if rev == "" {
		rev = "unknown (built without version-control stamping: go run, or go build -buildvcs=false)"
	} else if b.Modified {
		rev += " (with uncommitted changes)"
	}
	if when == "" {
		when = "unknown"
	}
	s := "cybernorms " + b.Version + "\nrevision:    " + rev + "\ncommit time: " + when + "\n"
	if b.GoVersion != "" {
		s += "go:          " + b.GoVersion + "\n"
	}
	return s
}
