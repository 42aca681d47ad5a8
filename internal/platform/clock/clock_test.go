package clock

import (
	"testing"
	"time"
)

func TestClock(t *testing.T) {
	var nilClock *Clock
	if d := time.Since(nilClock.Now()); d < 0 || d > time.Minute {
		t.Errorf("a nil clock reads %v, not the system time", nilClock.Now())
	}
	c := New()
	c.Advance(48 * time.Hour)
	if d := c.Now().Sub(time.Now()); d < 47*time.Hour || d > 49*time.Hour {
		t.Errorf("advanced by 48h, the clock is %v ahead", d)
	}
	at := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	c.Set(at)
	if !c.Now().Equal(at) {
		t.Errorf("set to %v, reads %v", at, c.Now())
	}
	c.Advance(time.Hour)
	if want := at.Add(time.Hour); !c.Now().Equal(want) {
		t.Errorf("a stopped clock advanced by 1h reads %v, want %v", c.Now(), want)
	}
	if c.Now().Location() != time.UTC {
		t.Error("not UTC")
	}
	c.Set(time.Time{})
	if d := time.Since(c.Now()); d < 0 || d > time.Minute {
		t.Errorf("reset, the clock reads %v", c.Now())
	}
	f := Fixed(at)
	if !f.Now().Equal(at) {
		t.Errorf("Fixed(%v) reads %v", at, f.Now())
	}
}

// Location loads a zone once and gives the same zone after; a name that is
// not a zone is refused every time and not kept.
func TestLocationIsLoadedOnce(t *testing.T) {
	a, err := Location("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Location("America/New_York")
	if a != b {
		t.Error("a second Location loaded the zone again")
	}
	want, _ := time.LoadLocation("America/New_York")
	at := time.Date(2026, 12, 4, 15, 0, 0, 0, time.UTC)
	if got, w := at.In(a).Format(time.RFC3339), at.In(want).Format(time.RFC3339); got != w {
		t.Errorf("%s in the kept zone, %s in time.LoadLocation's", got, w)
	}
	for range 2 {
		if _, err := Location("Mars/Olympus_Mons"); err == nil {
			t.Error("an unknown zone loaded")
		}
	}
	if _, ok := zones.Load("Mars/Olympus_Mons"); ok {
		t.Error("an unknown zone was kept")
	}
}
