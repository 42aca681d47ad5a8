package participation

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/framework/seed"
	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/states"
)

// registerOrganisationTx adds an organisation with its profile, audited. It
// is the registry's bulk path for the demo; accounts are made elsewhere.
func (s *Service) registerOrganisationTx(ctx context.Context, tx *db.Tx, slug, name string, in ProfileInput, at time.Time) (Organisation, error) {
	o := Organisation{ID: id.New(), Slug: slug, Name: name, Type: in.Type, UpdatedAt: at}
	if _, err := tx.ExecContext(ctx, `INSERT INTO organisations (id, slug, name, kind, created_at) VALUES (?, ?, ?, ?, ?)`, o.ID, slug, name, in.Type, at); err != nil {
		return o, fmt.Errorf("insert organisation %s: %w", slug, err)
	}
	if err := audit.Record(ctx, tx, "organisation.create", "organisation", o.ID, nil, map[string]string{"slug": slug, "name": name}); err != nil {
		return o, err
	}
	return s.saveProfileTx(ctx, tx, o, in)
}

var demoWords = struct{ first, second, kinds []string }{
	first:  []string{"Global", "Open", "Digital", "Cyber", "Internet", "Secure", "Civic", "Pacific", "African", "Latin American", "Nordic", "Asian", "Arab", "European", "Caribbean"},
	second: []string{"Rights", "Security", "Policy", "Resilience", "Peace", "Infrastructure", "Trust", "Freedom", "Standards", "Incident Response", "Research", "Governance"},
	kinds:  []string{"Institute", "Foundation", "Alliance", "Network", "Centre", "Forum", "Council", "Initiative", "Association", "Lab"},
}

// GenerateDemo makes the participation demo data through the service's
// functions: three bodies (the OEWG 2021–2025 under non-objection with veto,
// the Global Mechanism and an ad hoc committee under non-objection with
// decision), their sessions, 2000×scale organisations with accreditation
// histories (the Tech Accord refused in seven consecutive OEWG sessions,
// each time by one State's objection, and objected to in the last three
// sessions of the Ad Hoc Committee, which accredited it by vote each time),
// and an example consultation with the Tech Accord's submission
// to Australia's 2020 consultation imported question by question.
func GenerateDemo(ctx context.Context, ps *platform.Services, rng *rand.Rand, scale int, progress func(string)) error {
	s := NewService(ps)
	ctx = audit.WithActor(ctx, audit.Actor{ID: "demo", Label: "demo generator", Via: "cli"})
	if scale < 1 {
		scale = 1
	}
	var bodies = map[string]Body{}
	var sessions = map[string][]Session{}
	day := func(y int, m time.Month, d int) string {
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
	}
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		for _, in := range []BodyInput{
			{Slug: "oewg-2021-2025", Name: "Open-ended working group on security of and in the use of ICTs 2021–2025", Modality: ModalityVeto, NameObjectors: true,
				Description: "Stakeholders without ECOSOC status are accredited on a non-objection basis: any Member State may object to any applicant."},
			{Slug: "global-mechanism", Name: "Global Mechanism on developments in the field of ICTs in the context of international security", Modality: ModalityDecision, NameObjectors: true, ReasonRequired: true, Votes: VotesRecorded,
				Description: "The permanent mechanism. An objection puts the application to a recorded vote of the Member States."},
			{Slug: "ahc-cybercrime", Name: "Ad Hoc Committee on a comprehensive international convention on countering the use of ICTs for criminal purposes", Modality: ModalityDecision, NameObjectors: true, Votes: VotesSecret,
				Description: "Objected applications are put to the Committee for a decision by secret ballot."},
		} {
			b, err := s.createBodyTx(ctx, tx, in)
			if err != nil {
				return err
			}
			bodies[b.Slug] = b
		}
		mk := func(body, slug, title, kind string, y int, m time.Month, d, days int, place string) error {
			start := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
			x, err := s.createSessionTx(ctx, tx, body, SessionInput{Slug: slug, Title: title, Kind: kind, StartsOn: day(y, m, d), EndsOn: start.AddDate(0, 0, days).Format("2006-01-02"),
				ApplyBy: start.AddDate(0, 0, -30).Format("2006-01-02"), Place: place, Format: "hybrid",
				Programme: "1. Opening of the session\n2. Adoption of the agenda\n3. General exchange of views\n4. Rules, norms and principles\n5. International law\n6. Confidence-building measures\n7. Capacity-building\n8. Regular institutional dialogue\n9. Adoption of the report"})
			if err != nil {
				return err
			}
			sessions[body] = append(sessions[body], x)
			return nil
		}
		oewg := []struct {
			y int
			m time.Month
			d int
		}{{2021, 12, 13}, {2022, 3, 28}, {2022, 7, 25}, {2022, 12, 5}, {2023, 3, 6}, {2023, 7, 24}, {2023, 12, 4}, {2024, 3, 4}, {2024, 7, 8}, {2024, 12, 16}, {2025, 7, 7}}
		for i, d := range oewg {
			if err := mk("oewg-2021-2025", fmt.Sprintf("oewg-s%d", i+1), fmt.Sprintf("OEWG %s substantive session", ordinal(i+1)), "substantive", d.y, d.m, d.d, 4, "New York"); err != nil {
				return err
			}
		}
		for i, d := range []struct {
			y int
			m time.Month
			d int
		}{{2022, 2, 28}, {2022, 5, 30}, {2022, 8, 29}, {2023, 1, 9}, {2023, 4, 11}, {2023, 8, 21}} {
			place := "Vienna"
			if i%2 == 0 {
				place = "New York"
			}
			if err := mk("ahc-cybercrime", fmt.Sprintf("ahc-s%d", i+1), fmt.Sprintf("Ad Hoc Committee %s session", ordinal(i+1)), "substantive", d.y, d.m, d.d, 10, place); err != nil {
				return err
			}
		}
		now := s.now()
		if err := mk("global-mechanism", "gm-organizational", "Global Mechanism organizational session", "organizational", now.Year(), now.Month()+2, 1, 2, "New York"); err != nil {
			return err
		}
		return mk("global-mechanism", "gm-dialogue-1", "Global Mechanism informal dialogue with stakeholders", "informal-dialogue", now.Year(), now.Month()+3, 10, 1, "Geneva")
	})
	if err != nil {
		return fmt.Errorf("demo bodies: %w", err)
	}
	progress(fmt.Sprintf("participation: %d bodies and their sessions", len(bodies)))

	// Organisations, in batches of 500 per transaction.
	all := states.All()
	isos := make([]string, len(all))
	for i, st := range all {
		isos[i] = st.ISO3
	}
	n := 2000 * scale
	var orgs []Organisation
	base := time.Date(2021, 1, 4, 9, 0, 0, 0, time.UTC)
	var techAccord Organisation
	for start := 0; start < n; start += 500 {
		err := s.DB.InTx(ctx, func(tx *db.Tx) error {
			if start == 0 {
				var err error
				techAccord, err = s.registerOrganisationTx(ctx, tx, "cybersecurity-tech-accord", "Cybersecurity Tech Accord", ProfileInput{Type: "business", ECOSOC: "none", HQ: "USA",
					Website: "https://cybertechaccord.org", Description: "A coalition of more than 150 technology companies committed to protecting users and customers everywhere.", Members: 160}, base)
				if err != nil {
					return err
				}
			}
			for i := start; i < min(start+500, n); i++ {
				w := demoWords
				name := fmt.Sprintf("%s %s %s", w.first[rng.IntN(len(w.first))], w.second[rng.IntN(len(w.second))], w.kinds[rng.IntN(len(w.kinds))])
				eco := "none"
				if rng.IntN(100) < 15 {
					eco = ECOSOCStatuses[1+rng.IntN(3)]
				}
				o, err := s.registerOrganisationTx(ctx, tx, fmt.Sprintf("demo-org-%05d", i+1), fmt.Sprintf("%s %d", name, i+1), ProfileInput{Type: OrgTypes[rng.IntN(len(OrgTypes))], ECOSOC: eco,
					HQ: isos[rng.IntN(len(isos))], Website: fmt.Sprintf("https://org%05d.example.org", i+1), Description: "Works on " + strings.ToLower(w.second[rng.IntN(len(w.second))]) + " in cyberspace.", Members: rng.IntN(5000)}, base)
				if err != nil {
					return err
				}
				orgs = append(orgs, o)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("demo organisations: %w", err)
		}
	}
	progress(fmt.Sprintf("participation: %d organisations", len(orgs)+1))

	// Accreditation histories for the past sessions.
	just := "The organisation works on the security of ICTs and can contribute its operational experience to the discussions of this body."
	apps := 0
	for _, body := range []string{"oewg-2021-2025", "ahc-cybercrime"} {
		b := bodies[body]
		for si, x := range sessions[body] {
			if !x.EndsAt.Before(s.now()) {
				continue
			}
			err := s.DB.InTx(ctx, func(tx *db.Tx) error {
				at := x.ApplyBy.Add(-20 * 24 * time.Hour)
				var list []Organisation
				for _, i := range rng.Perm(len(orgs))[:min(len(orgs), 40*scale)] {
					list = append(list, orgs[i])
				}
				if body == "oewg-2021-2025" && si >= len(sessions[body])-7 || body == "ahc-cybercrime" && si >= len(sessions[body])-3 {
					list = append(list, techAccord)
				}
				var ids []string
				for _, o := range list {
					a, err := s.applyTx(ctx, tx, o.ID, ApplicationInput{Session: x.Slug, Justification: just}, at)
					if err != nil {
						return err
					}
					if a.Status == StatusSubmitted {
						ids = append(ids, a.ID)
					}
				}
				apps += len(list)
				circ := at.Add(24 * time.Hour)
				if len(ids) == 0 {
					return nil
				}
				if _, err := s.circulateTx(ctx, tx, body, circ); err != nil {
					return err
				}
				for _, appID := range ids {
					a, err := s.appTx(ctx, tx, appID)
					if err != nil {
						return err
					}
					objectors := 0
					if a.OrgID == techAccord.ID {
						objectors = 1
					} else if rng.IntN(100) < 12 {
						objectors = 1 + rng.IntN(3)
					}
					for _, k := range rng.Perm(len(isos))[:objectors] {
						if err := s.lodgeObjectionTx(ctx, tx, a, b, isos[k], "demo:"+isos[k], "The organisation's activities are not relevant to the mandate.", circ.Add(48*time.Hour)); err != nil {
							return err
						}
					}
					end := *a.ObjectionEndsAt
					if err := s.closeTx(ctx, tx, appID, end); err != nil {
						return err
					}
					a, err = s.appTx(ctx, tx, appID)
					if err != nil {
						return err
					}
					if a.Status == StatusVoting {
						yesShare := 40 + rng.IntN(40)
						if a.OrgID == techAccord.ID {
							yesShare = 75 // the Committee overrules the objection
						}
						for _, k := range rng.Perm(len(isos))[:100+rng.IntN(60)] {
							c := VoteNo
							switch r := rng.IntN(100); {
							case r < yesShare:
								c = VoteYes
							case r > 90:
								c = VoteAbstain
							}
							if err := s.castVoteTx(ctx, tx, appID, isos[k], "demo:"+isos[k], c, end.Add(24*time.Hour)); err != nil {
								return err
							}
						}
						if err := s.closeTx(ctx, tx, appID, *a.VotingEndsAt); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("demo applications for %s: %w", x.Slug, err)
			}
		}
	}
	progress(fmt.Sprintf("participation: %d applications with objections, votes and outcomes", apps))

	// The example consultation, with the Tech Accord's 2020 submission.
	sub, err := seed.AustraliaConsultation()
	if err != nil {
		return fmt.Errorf("demo consultation seed: %w", err)
	}
	var qs []string
	for _, q := range sub.Questions {
		qs = append(qs, q.Text)
	}
	opened := time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC)
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		c, err := s.openConsultationTx(ctx, tx, "AUS", ConsultationInput{Slug: "aus-2020-international-cyber-engagement", Title: "Australia's international cyber and critical technology engagement strategy (2020)",
			Description: "A national public consultation. The submissions below were answered question by question.", ClosesOn: "2020-08-31", Questions: qs}, opened)
		if err != nil {
			return err
		}
		answers := map[int]string{}
		for _, q := range sub.Questions {
			answers[q.Number] = strings.Join(q.Answer, "\n\n")
		}
		_, err = s.saveAnswersTx(ctx, tx, c, techAccord.ID, AnswerInput{Answers: answers, Submit: true}, opened.AddDate(0, 1, 0))
		return err
	})
	if err != nil {
		return fmt.Errorf("demo consultation: %w", err)
	}
	if _, err := s.CloseDueConsultations(ctx, s.now()); err != nil {
		return err
	}
	progress("participation: the example consultation with the Tech Accord's submission, split by question")
	return nil
}

func ordinal(n int) string {
	words := []string{"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth"}
	if n >= 1 && n <= len(words) {
		return words[n-1]
	}
	return fmt.Sprintf("%dth", n)
}
