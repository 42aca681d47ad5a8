package clock

import (
	"sync"
	"time"
)

// zones keeps the time zones loaded by Location, by name.
var zones sync.Map

// Location is time.LoadLocation, loaded once per name: loading reads and
// parses the zone's rules (from the system or the embedded database) at
// every call, which was a fifth of the processor time of a list of events
// that shows each in its own zone. A *time.Location is safe for concurrent
// use. Only zones that load are kept, so names read from input cannot grow
// the map beyond the zone database.
func Location(name string) (*time.Location, error) {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, loc)
	return loc, nil
}
