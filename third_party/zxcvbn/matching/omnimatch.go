package matching

import (
	"regexp"
	"runtime"
	"sync"
	"weak"

	"github.com/trustelem/zxcvbn/adjacency"
	"github.com/trustelem/zxcvbn/frequency"
	"github.com/trustelem/zxcvbn/match"
)

func Omnimatch(password string, userInputs []string) (matches []*match.Match) {
	dicts := defaultDictionaries()
	defer runtime.KeepAlive(dicts)
	dictMatcher := dicts.withDict("user_inputs", buildRankedDict(userInputs))

	matchers := []match.Matcher{
		dictMatcher,
		reverseDictionnaryMatch{dm: dictMatcher},
		l33tMatch{dm: dictMatcher, table: l33tTable},
		spatialMatch{graphs: defaultGraphs},
		repeatMatch{},
		sequenceMatch{},
		regexpMatch{regexes: defaultRegexpMatch},
		dateMatch{},
	}

	for _, m := range matchers {
		matches = append(matches, m.Matches(password)...)
	}
	match.Sort(matches)
	return matches
}

var (
	defaultGraphs      = loadDefaultAdjacencyGraphs()
	defaultRegexpMatch = []struct {
		Name   string
		Regexp *regexp.Regexp
	}{
		{
			Name:   "recent_year",
			Regexp: regexp.MustCompile(`19\d\d|200\d|201\d`),
		},
	}
	l33tTable = map[string][]string{
		"a": {"4", "@"},
		"b": {"8"},
		"c": {"(", "{", "[", "<"},
		"e": {"3"},
		"g": {"6", "9"},
		"i": {"1", "!", "|"},
		"l": {"1", "|", "7"},
		"o": {"0"},
		"s": {"$", "5"},
		"t": {"+", "7"},
		"x": {"%"},
		"z": {"2"},
	}
)

// The ranked dictionaries (patched for cybernorms, see PATCHES.md) are
// made from the frequency lists on first use and kept only while a
// password is being matched (a weak pointer): upstream made them at package
// init, and their 10 MiB stayed in the heap of every process that links
// the package, for the garbage collector to mark again on every cycle,
// where a server checks a password seldom.
var (
	dictMu    sync.Mutex
	dictCache weak.Pointer[dictionaryMatch]
)

// defaultDictionaries returns the ranked dictionaries; the caller keeps
// the pointer alive while it uses them, so that concurrent checks share them.
func defaultDictionaries() *dictionaryMatch {
	dictMu.Lock()
	defer dictMu.Unlock()
	if d := dictCache.Value(); d != nil {
		return d
	}
	d := loadDefaultDictionnaries()
	dictCache = weak.Make(&d)
	return &d
}

func loadDefaultDictionnaries() dictionaryMatch {
	rd := make(map[string]rankedDictionnary)
	for n, list := range frequency.Lists() {
		rd[n] = buildRankedDict(list)
	}
	return dictionaryMatch{
		rankedDictionaries: rd,
	}
}

func loadDefaultAdjacencyGraphs() []*adjacency.Graph {
	return []*adjacency.Graph{
		adjacency.Graphs["qwerty"],
		adjacency.Graphs["dvorak"],
		adjacency.Graphs["keypad"],
		adjacency.Graphs["mac_keypad"],
	}

}
