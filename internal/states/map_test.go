package states

import (
	"strings"
	"testing"
)

func TestEveryStateCanBeDrawn(t *testing.T) {
	m := Map()
	for _, s := range All() {
		_, hasPath := m.Paths[s.ISO3]
		_, hasPoint := m.Points[s.ISO3]
		switch {
		case !hasPath && !hasPoint:
			t.Errorf("%s (%s) has neither a path nor a point", s.ISO3, s.Name("en"))
		case hasPath && hasPoint:
			t.Errorf("%s (%s) has both a path and a point", s.ISO3, s.Name("en"))
		}
	}
}

func TestMapHoldsOnlyTheStates(t *testing.T) {
	m := Map()
	for code := range m.Paths {
		if _, ok := ByISO3(code); !ok {
			t.Errorf("path for %q, which is not one of the States", code)
		}
	}
	for code := range m.Points {
		if _, ok := ByISO3(code); !ok {
			t.Errorf("point for %q, which is not one of the States", code)
		}
	}
}

func TestMapGeometryFitsTheViewBox(t *testing.T) {
	m := Map()
	if m.Width < 900 || m.Width > 1000 || m.Height < 400 || m.Height > 550 {
		t.Errorf("viewBox %gx%g, want about 960x500", m.Width, m.Height)
	}
	for code, d := range m.Paths {
		if !strings.HasPrefix(d, "M") || !strings.HasSuffix(d, "Z") {
			t.Errorf("%s path is not a closed SVG path: %.20q...", code, d)
		}
	}
	for code, p := range m.Points {
		if p[0] < 0 || p[0] > m.Width || p[1] < 0 || p[1] > m.Height {
			t.Errorf("%s point %v lies outside the viewBox", code, p)
		}
	}
	for name, d := range map[string]string{"sphere": m.Sphere, "land": m.Land} {
		if !strings.HasPrefix(d, "M") {
			t.Errorf("%s outline is not an SVG path", name)
		}
	}
}

func TestEmbeddedMapIsSmall(t *testing.T) {
	if n := len(worldMapJSON); n > 300<<10 {
		t.Errorf("worldmap.json is %d KB, want under 300 KB", n>>10)
	}
}

func TestMapReturnsACopy(t *testing.T) {
	a := Map()
	delete(a.Paths, "FRA")
	a.Points["ZZZ"] = [2]float64{1, 2}
	b := Map()
	if _, ok := b.Paths["FRA"]; !ok {
		t.Error("changing the result of Map removed a path from the embedded map")
	}
	if _, ok := b.Points["ZZZ"]; ok {
		t.Error("changing the result of Map added a point to the embedded map")
	}
}
