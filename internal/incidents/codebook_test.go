package incidents

import (
	"slices"
	"testing"
)

func TestCodebookCoversEveryColumn(t *testing.T) {
	cb := Codebook()
	for i, cols := range [][]string{IncidentColumns, AttributionColumns, ResponseColumns} {
		var names []string
		for _, f := range cb[i].Fields {
			names = append(names, f.Name)
			if f.About == "" {
				t.Errorf("%s.%s is not explained", cb[i].File, f.Name)
			}
		}
		if !slices.Equal(names, cols) {
			t.Errorf("%s: codebook %v, columns %v", cb[i].File, names, cols)
		}
	}
}
