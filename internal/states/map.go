package states

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"sync"
)

//go:embed data/worldmap.json
var worldMapJSON []byte

// WorldMap is an SVG world map in the Equal Earth projection, generated from Natural Earth
// data at 1:110m. Coordinates are in a viewBox of "0 0 Width Height".
type WorldMap struct {
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
	// Sphere is the outline of the globe, to fill as the sea.
	Sphere string `json:"sphere"`
	// Land is the land that belongs to none of the 195 States (Antarctica, Greenland,
	// Western Sahara, ...), to draw beneath the States in a neutral colour.
	Land string `json:"land"`
	// Paths holds the SVG path data ("d") of each State large enough to be drawn at
	// 1:110m, keyed by ISO 3166-1 alpha-3 code.
	Paths map[string]string `json:"paths"`
	// Points holds the projected centroid of each State too small to be drawn as a
	// shape, keyed by alpha-3 code, so that it can be drawn as a dot.
	Points map[string][2]float64 `json:"points"`
}

// parsedMap is the embedded map, decoded once on first use.
var parsedMap = sync.OnceValue(func() WorldMap {
	var m WorldMap
	if err := json.Unmarshal(worldMapJSON, &m); err != nil {
		// The embedded file is generated and checked by the tests: a failure here is a
		// build defect, not an expected condition.
		panic(fmt.Sprintf("states: embedded data/worldmap.json: %v", err))
	}
	return m
})

// Map returns the world map. Every one of the 195 States has an entry in either Paths or
// Points. The maps in the result are the caller's own copies.
func Map() WorldMap {
	m := parsedMap()
	m.Paths = maps.Clone(m.Paths)
	m.Points = maps.Clone(m.Points)
	return m
}
