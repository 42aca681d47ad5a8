package participation

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/api"
)

// FuzzApplicationJSON feeds arbitrary bodies to the application decoder
// and validation: every input is either accepted or refused with a 4xx
// naming the problem, never a panic or a 5xx.
func FuzzApplicationJSON(f *testing.F) {
	for _, s := range []string{`{"session":"s1","justification":"we run the DNS root servers"}`, `{"body":"oewg","justification":"x"}`, `{}`, `[]`, `{"draft":"yes"}`, `{"session":1}`, `{"session":"a","body":"b","justification":"................................"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		var in ApplicationInput
		err := api.Decode(w, r, &in, MaxApplicationBody)
		if err == nil {
			err = in.validate()
		}
		if err == nil {
			if (in.Session == "") == (in.Body == "") || len(in.Justification) < 20 {
				t.Fatalf("accepted an invalid application %+v", in)
			}
			return
		}
		var ae *api.Error
		if !errors.As(err, &ae) || ae.Status < 400 || ae.Status >= 500 {
			t.Fatalf("refusal %v is not a 4xx", err)
		}
	})
}
