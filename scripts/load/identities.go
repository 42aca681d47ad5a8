package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"net/http"
	"os"
	"slices"
)

// identities are the signed-in people of the mix, by name: the headers
// that sign a request in as them (a session cookie, or an API token), and
// the pages and API calls they make. run.sh makes them with `load signin`.
type identities map[string]identity

type identity struct {
	// Role is what the identity is (a State editor, an approver, a
	// stakeholder, the secretariat), for the table.
	Role    string            `json:"role"`
	Headers map[string]string `json:"headers"`
	Paths   []string          `json:"paths"`
}

// asHeader tells the bare server whose bytes to serve; the app ignores it.
const asHeader = "X-Load-As"

func bodyKey(as, uri string) string { return as + "|" + uri }

func readIdentities(path string) (identities, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var id identities
	if err := json.Unmarshal(b, &id); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return id, nil
}

// apply signs req in as the named identity (nothing for "").
func (id identities) apply(req *http.Request, as string) {
	if as == "" {
		return
	}
	for k, v := range id[as].Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set(asHeader, as)
}

// targets are the identities' requests, class signed-in.
func (id identities) targets() []target {
	var out []target
	for _, name := range slices.Sorted(maps.Keys(id)) {
		for _, p := range id[name].Paths {
			out = append(out, target{Class: "signed-in", Path: p, As: name})
		}
	}
	return out
}

func newFlagSet(name string) *flag.FlagSet { return flag.NewFlagSet(name, flag.ExitOnError) }
