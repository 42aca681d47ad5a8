package participation

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// TestEveryReasonDecideGivesIsSaidInEachLanguage: the reasons are kept in
// English (API, records) and shown in the reader's language.
func TestEveryReasonDecideGivesIsSaidInEachLanguage(t *testing.T) {
	cat := web.NewCatalog()
	tr, _ := fs.Sub(i18nFS, "i18n")
	if err := cat.Load(tr); err != nil {
		t.Fatal(err)
	}
	records := []Record{{}, {ECOSOC: true}, {Objections: 1}, {Objections: 3}, {Objections: 2, Voted: true, Tally: Tally{Yes: 5, No: 1}}, {Objections: 2, Voted: true, Tally: Tally{Yes: 1, No: 5, Abstain: 2}}}
	for _, m := range Modalities {
		for _, r := range records {
			_, reason := Decide(m, MajoritySimple, r)
			msg := ReasonMessage(reason)
			// "State(s)" reads with the plural English needs.
			if en := cat.ErrorText("en", msg); en != reason && !strings.Contains(reason, "State(s)") {
				t.Errorf("%q reads %q in English", reason, en)
			}
			for _, lang := range []string{"fr", "es", "ru", "zh", "ar"} {
				if got := cat.ErrorText(lang, msg); got == reason || got == "" {
					t.Errorf("%q is not said in %s: %q", reason, lang, got)
				}
			}
		}
	}
}
