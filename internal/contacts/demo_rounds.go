package contacts

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// generateActivity makes a year of quarterly rounds with realistic
// answers, then the requests (demo_requests.go).
func generateActivity(ctx context.Context, s *Service, rng *rand.Rand, progress func(string)) error {
	sctx := auth.WithUser(ctx, &auth.User{ID: "demo-secretariat", Email: "secretariat@demo.example.org", Role: auth.RoleSecretariat})
	// Each State's habit: most answer in time, some late, a few never.
	reliability := map[string]float64{}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	rounds := 0
	for q := 4; q >= 1; q-- {
		start := today.AddDate(0, -3*q, 0).Add(9 * time.Hour)
		s.Now = func() time.Time { return start }
		sum, err := s.StartRound(sctx, RoundInput{Title: fmt.Sprintf("Quarterly communication check %s", start.Format("January 2006")), Hours: 48})
		if err != nil {
			return fmt.Errorf("demo round: %w", err)
		}
		err = s.DB.InTx(ctx, func(tx *db.Tx) error {
			rows, err := tx.QueryContext(ctx, `SELECT p.id, p.state_iso3 FROM contacts_pings p WHERE p.round_id = ?`, sum.ID)
			if err != nil {
				return err
			}
			type ping struct{ id, state string }
			var list []ping
			for rows.Next() {
				var p ping
				if err := rows.Scan(&p.id, &p.state); err != nil {
					rows.Close()
					return err
				}
				list = append(list, p)
			}
			rows.Close()
			for _, p := range list {
				r, ok := reliability[p.state]
				if !ok {
					switch x := rng.Float64(); {
					case x < 0.6:
						r = 0.92
					case x < 0.85:
						r = 0.65
					default:
						r = 0.25
					}
					reliability[p.state] = r
				}
				if _, err := tx.ExecContext(ctx, `UPDATE contacts_pings SET sent_at = ? WHERE id = ?`, start.Add(time.Duration(rng.IntN(300))*time.Second), p.id); err != nil {
					return err
				}
				x := rng.Float64()
				switch {
				case x < 0.03:
					if _, err := tx.ExecContext(ctx, `UPDATE contacts_pings SET bounced_at = ?, bounce_reason = ? WHERE id = ?`, start.Add(2*time.Minute), "550 5.1.1 mailbox unavailable", p.id); err != nil {
						return err
					}
				case x < 0.03+r:
					// Minutes to answer: log-normal around two hours, within the 48.
					mins := math.Min(math.Exp(rng.NormFloat64()*1.3+4.8), 47*60)
					via := "link"
					if rng.IntN(4) == 0 {
						via = "platform"
					}
					if err := s.ackTx(ctx, tx, p.id, via, "", start.Add(time.Duration(mins)*time.Minute)); err != nil {
						return err
					}
				case x < 0.03+r+(1-r)*0.4:
					if err := s.ackTx(ctx, tx, p.id, "platform", "", start.Add(48*time.Hour+time.Duration(1+rng.IntN(96))*time.Hour)); err != nil {
						return err
					}
				}
			}
			tx.MarkChanged()
			return s.refreshResults(ctx, tx, sum.ID, "")
		})
		if err != nil {
			return err
		}
		rounds++
	}
	s.Now = now
	progress(fmt.Sprintf("contacts: %d quarterly communication checks", rounds))
	return generateRequests(ctx, s, rng, progress)
}
