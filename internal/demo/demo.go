// Package demo fills a database with realistic, deterministic demonstration
// data through the same service functions users go through, so the platform
// can be shown and measured at the size of a full deployment.
//
// Each feature module offers a Generator; a Registry orders them by their
// declared dependencies, and Run executes them with a random source derived
// from the seed and the generator's name, so that adding a module does not
// change the data the others make. The database is marked as holding demo
// data (a demo_runs row), which makes the site show the demo banner.
package demo

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform"
)

// Generator makes one module's demo data through the module's own service
// functions. scale multiplies the volumes (1 is a full deployment); progress
// reports what is happening, a line at a time.
type Generator func(ctx context.Context, svc *platform.Services, rng *rand.Rand, scale int, progress func(string)) error

// Step is a named generator and the steps whose data it needs.
type Step struct {
	Name  string
	After []string
	Run   Generator
}

// Registry holds the generators to run. The zero value is empty and ready.
type Registry struct {
	steps []Step
}

// Register adds a generator that runs after the named ones.
func (r *Registry) Register(name string, after []string, fn Generator) {
	r.steps = append(r.steps, Step{Name: name, After: after, Run: fn})
}

// Ordered returns the steps in an order that honours every After, keeping
// registration order where the dependencies allow. An unknown dependency,
// a duplicate name or a cycle is an error.
func (r *Registry) Ordered() ([]Step, error) {
	byName := map[string]Step{}
	for _, s := range r.steps {
		if s.Name == "" || s.Run == nil {
			return nil, fmt.Errorf("demo step %q: a name and a generator are required", s.Name)
		}
		if _, dup := byName[s.Name]; dup {
			return nil, fmt.Errorf("demo step %q is registered twice", s.Name)
		}
		byName[s.Name] = s
	}
	for _, s := range r.steps {
		for _, a := range s.After {
			if _, ok := byName[a]; !ok {
				return nil, fmt.Errorf("demo step %q runs after %q, which is not registered", s.Name, a)
			}
		}
	}
	done := map[string]bool{}
	var out []Step
	for len(out) < len(r.steps) {
		progressed := false
		for _, s := range r.steps {
			if done[s.Name] {
				continue
			}
			ready := true
			for _, a := range s.After {
				ready = ready && done[a]
			}
			if ready {
				done[s.Name] = true
				out = append(out, s)
				progressed = true
				break // restart so earlier-registered steps keep priority
			}
		}
		if !progressed {
			var left []string
			for _, s := range r.steps {
				if !done[s.Name] {
					left = append(left, s.Name)
				}
			}
			return nil, fmt.Errorf("demo steps depend on each other in a cycle: %s", strings.Join(left, ", "))
		}
	}
	return out, nil
}

// RNG returns the random source of one step: the same seed and name always
// give the same sequence.
func RNG(seed uint64, name string) *rand.Rand {
	h := fnv.New64a()
	_, _ = h.Write([]byte(name))
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

// MaxScale bounds --scale: scale 100 is already a hundred full deployments.
const MaxScale = 100

// Options are the demo command's own flags.
type Options struct {
	Scale int
	Seed  uint64
	Force bool
}

// DefaultSeed is the seed used when none is given.
const DefaultSeed = 2015

// FlagSet returns the demo command's flags bound to o, with their defaults
// set. Parsing checks each value and names the flag in its error.
func (o *Options) FlagSet(output io.Writer) *flag.FlagSet {
	o.Scale, o.Seed = 1, DefaultSeed
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.Func("scale", fmt.Sprintf("volume multiplier, 1 to %d (1: every State reporting for ten years) (default 1)", MaxScale), func(v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("must be a whole number from 1 to %d, not %q", MaxScale, v)
		}
		o.Scale = n
		return nil
	})
	fs.Func("seed", fmt.Sprintf("random seed; the same seed gives the same data (default %d)", DefaultSeed), func(v string) error {
		n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return fmt.Errorf("must be a whole number from 0 to %d, not %q", uint64(1<<64-1), v)
		}
		o.Seed = n
		return nil
	})
	fs.BoolVar(&o.Force, "force", false, "add demo data even if the database already holds data")
	return fs
}

// Validate checks the options' ranges.
func (o Options) Validate() error {
	switch {
	case o.Scale < 1:
		return fmt.Errorf("--scale: must be at least 1, not %d", o.Scale)
	case o.Scale > MaxScale:
		return fmt.Errorf("--scale: %d is too large; at most %d (scale 1 is already a full deployment)", o.Scale, MaxScale)
	}
	return nil
}

// ParseArgs parses and validates the demo command's own flags.
func ParseArgs(args []string, output io.Writer) (Options, error) {
	var o Options
	fs := o.FlagSet(output)
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return o, o.Validate()
}

// ErrNotEmpty is returned when the database already holds data and Force
// was not given.
var ErrNotEmpty = errors.New("the database is not empty")
