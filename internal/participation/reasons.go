package participation

import (
	"regexp"
	"strconv"

	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// reasonPatterns read the English reasons Decide gives (and the database
// keeps) back into catalog messages, so that a page says them in the
// reader's language while the API and the records keep the English text.
var reasonPatterns = []struct {
	re     *regexp.Regexp
	key    string
	plural bool
}{
	{regexp.MustCompile(`^open registration$`), "participation.reason.open", false},
	{regexp.MustCompile(`^in ECOSOC consultative status$`), "participation.reason.ecosoc", false},
	{regexp.MustCompile(`^not in ECOSOC consultative status$`), "participation.reason.not_ecosoc", false},
	{regexp.MustCompile(`^objected to by (\d+) State\(s\); any objection refuses$`), "participation.reason.vetoed", true},
	{regexp.MustCompile(`^no objection$`), "participation.reason.no_objection", false},
	{regexp.MustCompile(`^objected to; the body would vote$`), "participation.reason.to_vote", false},
	{regexp.MustCompile(`^accepted by vote (\d+)–(\d+) \((\d+) abstaining\)$`), "participation.reason.accepted", false},
	{regexp.MustCompile(`^refused by vote (\d+)–(\d+) \((\d+) abstaining\)$`), "participation.reason.refused", false},
}

// ReasonMessage is an application's reason as a message in every language
// (web.Msg); a reason of another form stays in English.
func ReasonMessage(reason string) web.Message {
	if reason == "" {
		return nil
	}
	m := web.Msg{English: reason}
	for _, p := range reasonPatterns {
		g := p.re.FindStringSubmatch(reason)
		if g == nil {
			continue
		}
		m.Key, m.Plural = p.key, p.plural
		for _, s := range g[1:] {
			n, _ := strconv.Atoi(s)
			m.Args = append(m.Args, n)
		}
		if p.plural {
			m.N = m.Args[0].(int)
		}
		break
	}
	return m
}

// ReasonMessage is the application's reason in every language.
func (a Application) ReasonMessage() web.Message { return ReasonMessage(a.Reason) }
