package contacts

import (
	"encoding/csv"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/platform/web/chart"
)

func (m *Module) roundRoutes(r *web.Router) {
	r.Handle("GET /contacts/rounds", web.Public, m.roundsPage)
	r.Handle("GET /contacts/rounds.csv", web.Public, m.roundsCSV)
	r.Handle("POST /contacts/rounds", web.Secretariat, m.startRoundForm)
	r.Handle("GET /contacts/rounds/{id}", web.Public, m.roundPage)
	r.Handle("GET /contacts/rounds/{id}/results.csv", web.Public, m.roundCSV)
	r.Handle("POST /contacts/rounds/{id}/bounces", web.Secretariat, m.bouncesForm)
	r.Handle("POST /contacts/pings/{id}/ack", web.StateStaff, m.ackForm)
	r.Handle("GET /contacts/ack", web.Public, m.ackPage)
	r.Handle("POST /contacts/ack", web.Public, m.ackLinkForm)
}

type roundsData struct {
	Rounds      []RoundSummary
	Secretariat bool
	// Trend is the line chart of response rates across closed rounds.
	Trend template.HTML
}

// InTimePercent is InTimeShare in whole percent, for the table.
func (r RoundSummary) InTimePercent() int { return percent(r.InTimeShare) }

// AcknowledgedPercent is the share of a closed round's States that
// acknowledged, in time or late, in whole percent.
func (r RoundSummary) AcknowledgedPercent() int { return percent(acknowledgedShare(r)) }

// acknowledgedShare is the share of a closed round's States that
// acknowledged, in time or late, 0–1.
func acknowledgedShare(r RoundSummary) float64 {
	n := 0
	for _, v := range r.ByOutcome {
		n += v
	}
	if n == 0 {
		return 0
	}
	return float64(r.ByOutcome[OutcomeInTime]+r.ByOutcome[OutcomeLate]) / float64(n)
}

// trendChart draws the shares of States that acknowledged in time, and at
// all, in each closed round, oldest first; nothing with fewer than two.
func trendChart(list []RoundSummary, t func(string) string, lang string) template.HTML {
	c := chart.Lines{Title: t("contacts.rounds.trend_chart"), Desc: t("contacts.rounds.trend_desc"), RTL: web.IsRTL(lang), Lang: lang}
	inTime, acked := chart.Series{Name: t("contacts.rounds.share_in_time")}, chart.Series{Name: t("contacts.rounds.share_acknowledged")}
	for i := len(list) - 1; i >= 0; i-- { // list is newest first
		r := list[i]
		if !r.Closed {
			continue
		}
		c.X = append(c.X, r.Title)
		inTime.Values = append(inTime.Values, math.Round(r.InTimeShare*100))
		acked.Values = append(acked.Values, math.Round(acknowledgedShare(r)*100))
	}
	if len(c.X) < 2 {
		return ""
	}
	c.Series = []chart.Series{inTime, acked}
	return c.SVG()
}

func (m *Module) roundsPage(w http.ResponseWriter, r *http.Request) {
	list, err := m.svc.Rounds(r.Context())
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	u := auth.UserFrom(r.Context())
	lang := web.Lang(r)
	t := func(k string) string { return m.site.Catalog.T(lang, k) }
	m.site.Render(w, r, http.StatusOK, "contacts/rounds.html", "", roundsData{Rounds: list, Secretariat: u != nil && u.Role == auth.RoleSecretariat, Trend: trendChart(list, t, lang)})
}

func (m *Module) startRoundForm(w http.ResponseWriter, r *http.Request) {
	hours, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("hours")))
	if err != nil {
		m.fail(w, r, invalid("hours", "must be a whole number of hours"), "/contacts/rounds")
		return
	}
	rate := 0
	if v := strings.TrimSpace(r.PostFormValue("rate")); v != "" {
		if rate, err = strconv.Atoi(v); err != nil {
			m.fail(w, r, invalid("rate_per_minute", "must be a whole number of e-mails a minute"), "/contacts/rounds")
			return
		}
	}
	in := RoundInput{Title: r.PostFormValue("title"), Hours: hours, Rate: rate, States: strings.FieldsFunc(r.PostFormValue("states"), func(c rune) bool { return c == ',' || c == ' ' || c == '\n' || c == '\r' })}
	sum, err := m.svc.StartRound(r.Context(), in)
	if err != nil {
		m.fail(w, r, err, "/contacts/rounds")
		return
	}
	m.site.Redirect(w, r, "/contacts/rounds/"+sum.ID, "contacts.flash.round_started")
}

type roundData struct {
	Results     RoundResults
	Pings       []Ping
	Secretariat bool
	StateUser   bool
}

func (m *Module) roundPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	res, err := m.svc.RoundResults(ctx, r.PathValue("id"), web.Lang(r))
	if err != nil {
		m.fail(w, r, err, "/contacts/rounds")
		return
	}
	u := auth.UserFrom(ctx)
	d := roundData{Results: res, Secretariat: u != nil && u.Role == auth.RoleSecretariat, StateUser: u != nil && u.Role.IsState()}
	if d.Secretariat || d.StateUser {
		if d.Pings, err = m.svc.RoundPings(ctx, res.Round.ID); err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
	}
	m.site.Render(w, r, http.StatusOK, "contacts/round.html", res.Round.Title, d)
}

func writeCSV(w http.ResponseWriter, name string, rows [][]string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="cybernorms-`+name+`.csv"`)
	cw := csv.NewWriter(w)
	for _, row := range rows {
		for i := range row {
			row[i] = csvSafe(row[i])
		}
		_ = cw.Write(row)
	}
	cw.Flush()
}

func fmtMinutes(m *float64) string {
	if m == nil {
		return ""
	}
	return strconv.FormatFloat(*m, 'f', 0, 64)
}

func (m *Module) roundCSV(w http.ResponseWriter, r *http.Request) {
	res, err := m.svc.RoundResults(r.Context(), r.PathValue("id"), "en")
	if err != nil {
		m.fail(w, r, err, "/contacts/rounds")
		return
	}
	rows := [][]string{{"round", "title", "deadline", "state", "name", "outcome", "minutes_to_acknowledge", "contacts", "contacts_acknowledged"}}
	for _, x := range res.States {
		rows = append(rows, []string{x.RoundID, x.Title, x.Deadline.Format("2006-01-02T15:04:05Z"), x.State, x.Name, x.Outcome, fmtMinutes(x.Minutes), strconv.Itoa(x.Contacts), strconv.Itoa(x.Acknowledged)})
	}
	writeCSV(w, "round-"+res.Round.ID, rows)
}

func (m *Module) roundsCSV(w http.ResponseWriter, r *http.Request) {
	list, err := m.svc.Rounds(r.Context())
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	rows := [][]string{{"round", "title", "started_at", "deadline", "closed", "states", "contacts", "in_time", "late", "no_answer", "bounced", "in_time_share", "median_minutes_to_acknowledge"}}
	for _, x := range list {
		rows = append(rows, []string{x.ID, x.Title, x.StartedAt.Format("2006-01-02T15:04:05Z"), x.Deadline.Format("2006-01-02T15:04:05Z"), fmt.Sprint(x.Closed), strconv.Itoa(x.States), strconv.Itoa(x.Contacts),
			strconv.Itoa(x.ByOutcome[OutcomeInTime]), strconv.Itoa(x.ByOutcome[OutcomeLate]), strconv.Itoa(x.ByOutcome[OutcomeNoAnswer]), strconv.Itoa(x.ByOutcome[OutcomeBounced]),
			strconv.FormatFloat(x.InTimeShare, 'f', 3, 64), fmtMinutes(x.MedianMinutes)})
	}
	writeCSV(w, "rounds", rows)
}

func (m *Module) bouncesForm(w http.ResponseWriter, r *http.Request) {
	rid := r.PathValue("id")
	in := BouncesInput{Addresses: strings.Fields(r.PostFormValue("addresses")), Reason: r.PostFormValue("reason")}
	if _, err := m.svc.RecordBounces(r.Context(), rid, in); err != nil {
		m.fail(w, r, err, "/contacts/rounds/"+rid)
		return
	}
	m.site.Redirect(w, r, "/contacts/rounds/"+rid, "contacts.flash.bounces")
}

func (m *Module) ackForm(w http.ResponseWriter, r *http.Request) {
	p, err := m.svc.AcknowledgeInPlatform(r.Context(), r.PathValue("id"))
	if err != nil {
		m.fail(w, r, err, "/contacts/rounds")
		return
	}
	m.site.Redirect(w, r, "/contacts/rounds/"+p.RoundID, "contacts.flash.acknowledged")
}

type ackData struct {
	Token  string
	Done   bool
	Reason string
}

// ackPage shows a button: following the link alone records nothing, so
// mail scanners that open links do not acknowledge. It reveals nothing.
func (m *Module) ackPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	m.site.Render(w, r, http.StatusOK, "contacts/ack.html", "", ackData{Token: r.URL.Query().Get("t")})
}

func (m *Module) ackLinkForm(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	err := m.svc.AcknowledgeLink(r.Context(), r.PostFormValue("t"))
	var ae *api.Error
	switch {
	case err == nil:
		m.site.Render(w, r, http.StatusOK, "contacts/ack.html", "", ackData{Done: true})
	case asAPIError(err, &ae):
		m.site.Render(w, r, ae.Status, "contacts/ack.html", "", ackData{Reason: ae.Code})
	default:
		m.site.ServerError(w, r, err)
	}
}
