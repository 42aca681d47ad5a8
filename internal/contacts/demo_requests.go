package contacts

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/db"
)

var demoIncidents = []struct{ sector, text string }{
	{"energy", "Ransomware encrypted the SCADA historian servers of a regional electricity distributor; load-shedding schedules are being run by hand. Command-and-control traffic goes to addresses hosted in your territory."},
	{"health", "A wiper spread through the network of three public hospitals; emergency admissions are diverted. Samples point to an update server in your territory."},
	{"finance", "A distributed denial-of-service attack of 1.2 Tbit/s against the central bank's payment gateway, partly from compromised devices in your networks."},
	{"telecommunications", "Intrusion into the core network of the main mobile operator; signalling traffic was rerouted through an interconnect partner in your territory."},
	{"water", "Unauthorised changes to chemical dosing set-points at a water treatment plant, made through a remote-access account; the session came from your address space."},
	{"transport", "Port terminal operating system down after a supply-chain compromise of a logistics software vendor headquartered in your territory."},
	{"government", "Spear-phishing campaign against the ministry of health with credential-harvesting pages hosted by a provider in your territory."},
}

// generateRequests makes requests in every state of the lifecycle, through
// the service's functions, as approvers of the States concerned.
func generateRequests(ctx context.Context, s *Service, rng *rand.Rand, progress func(string)) error {
	var withContacts []string
	rows, err := s.DB.QueryContext(ctx, `SELECT DISTINCT state_iso3 FROM contacts_coverage ORDER BY state_iso3`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var iso string
		if err := rows.Scan(&iso); err != nil {
			rows.Close()
			return err
		}
		withContacts = append(withContacts, iso)
	}
	rows.Close()
	if len(withContacts) < 2 {
		return nil
	}
	now := time.Now().UTC()
	// The lifecycle each request ends in, in turn.
	ends := []string{"closed", "closed", "answered-unable", "answered", "acknowledged", "sent", "sent-overdue", "withdrawn", "closed-unable", "closed"}
	made := 0
	for i := 0; i < 40; i++ {
		from := withContacts[rng.IntN(len(withContacts))]
		to := withContacts[rng.IntN(len(withContacts))]
		if i < 2 {
			from, to = "KEN", "FRA"
			if i == 1 {
				from, to = "EST", "FRA"
			}
		}
		if from == to {
			continue
		}
		end := ends[i%len(ends)]
		sent := now.Add(-time.Duration(24*(10+rng.IntN(350))) * time.Hour)
		if end == "sent" || end == "acknowledged" {
			sent = now.Add(-time.Duration(1+rng.IntN(12)) * time.Hour)
		}
		if end == "sent-overdue" {
			sent = now.Add(-time.Duration(100+rng.IntN(100)) * time.Hour)
		}
		inc := demoIncidents[rng.IntN(len(demoIncidents))]
		urg := Urgencies[rng.IntN(len(Urgencies))]
		at := sent
		s.Now = func() time.Time { return at }
		r, err := s.SendRequest(approverCtx(ctx, from), RequestInput{To: to, Urgency: urg, TLP: TLPs[1+rng.IntN(3)], RequestContent: RequestContent{
			Incident: inc.text, OccurredOn: sent.AddDate(0, 0, -1).Format("2006-01-02"), Sector: inc.sector, Asked: []string{Asks[rng.IntN(len(Asks))], "information"},
			Details: "Please share indicators you hold and, if you can, take down or block the infrastructure in your territory.", Norms: []string{"h", "f"}}})
		if err != nil {
			return fmt.Errorf("demo request: %w", err)
		}
		made++
		toCtx, fromCtx := approverCtx(ctx, to), approverCtx(ctx, from)
		step := func(h float64) { at = at.Add(time.Duration(h * float64(time.Hour))) }
		if end == "sent" || end == "sent-overdue" {
			continue
		}
		if end == "withdrawn" {
			step(5)
			if _, err := s.Withdraw(fromCtx, r.ID, WithdrawInput{Reason: "Resolved by our national CERT."}); err != nil {
				return err
			}
			continue
		}
		step(0.5 + rng.Float64()*30)
		if _, err := s.Acknowledge(toCtx, r.ID); err != nil {
			return err
		}
		if end == "acknowledged" {
			continue
		}
		step(1)
		if _, err := s.PostMessage(fromCtx, r.ID, MessageInput{Body: "Indicators attached.", FileName: "indicators.csv", FileType: "text/csv", File: []byte("type,value\nipv4,203.0.113.7\ndomain,update-check.example\n")}); err != nil {
			return err
		}
		step(2 + rng.Float64()*100)
		ans := AnswerInput{Answer: "help", Text: "The servers were taken down by the hosting provider at our request; our CERT shared the logs it holds."}
		if end == "answered-unable" || end == "closed-unable" {
			ans = AnswerInput{Answer: "unable", Text: "The addresses belong to a VPN exit with no logs under our law; we cannot identify the operator."}
		}
		if _, err := s.Answer(toCtx, r.ID, ans); err != nil {
			return err
		}
		if end == "answered" || end == "answered-unable" {
			continue
		}
		step(24)
		fb := FeedbackKinds[rng.IntN(len(FeedbackKinds))]
		if _, err := s.Close(fromCtx, r.ID, CloseInput{Feedback: fb, Comment: "Thank you for the quick answer."}); err != nil {
			return err
		}
		if rng.IntN(4) == 0 {
			for _, c := range []context.Context{fromCtx, toCtx} {
				if _, err := s.Consent(c, r.ID, ConsentInput{Share: true, Publish: true}); err != nil {
					return err
				}
			}
		}
	}
	s.Now = func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
	// Deadlines that passed long ago were told to the secretariat then.
	_ = s.DB.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE contacts_requests SET reminded = 3, overdue = 3 WHERE sent_at < ?`, time.Now().UTC().Add(-30*24*time.Hour))
		return err
	})
	progress(fmt.Sprintf("contacts: %d requests for assistance", made))
	return nil
}
