package bulletin

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/bulletin/attack"
	"github.com/cybernorms/cybernorms/internal/bulletin/stix"
	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/id"
)

// DemoSubscribersPerScale is how many confirmed subscribers GenerateDemo
// makes per unit of scale.
const DemoSubscribersPerScale = 100_000

// DemoSubscribersEnv names the environment variable that sets how many
// confirmed subscribers GenerateDemo makes, whatever the scale: 1000000
// for the mail bar's list of a million (`CYBERNORMS_DEMO_SUBSCRIBERS=1000000
// cybernorms demo`).
const DemoSubscribersEnv = "CYBERNORMS_DEMO_SUBSCRIBERS"

// maxDemoSubscribers bounds DemoSubscribersEnv.
const maxDemoSubscribers = 10_000_000

// demoSubscribers is the number of subscribers to make: the value of
// DemoSubscribersEnv when set, else scale × DemoSubscribersPerScale.
func demoSubscribers(getenv func(string) string, scale int) (int, error) {
	v := strings.TrimSpace(getenv(DemoSubscribersEnv))
	if v == "" {
		return scale * DemoSubscribersPerScale, nil
	}
	n, err := strconv.Atoi(strings.ReplaceAll(v, "_", ""))
	if err != nil || n < 0 || n > maxDemoSubscribers {
		return 0, fmt.Errorf("%s=%q: give a whole number of subscribers from 0 to %d", DemoSubscribersEnv, v, maxDemoSubscribers)
	}
	return n, nil
}

// GenerateDemo makes demonstration bulletin data through the service
// functions: items from the platform step's stakeholder accounts (every
// kind and TLP label, links between actors, techniques and mitigations),
// reviewed by the secretariat, eight published quarterly issues, and
// scale × 100,000 confirmed subscribers (or as many as DemoSubscribersEnv
// says) through the validating bulk path.
// It has the signature of a demo.Generator; register it to run after the
// "platform" step.
func GenerateDemo(ctx context.Context, ps *platform.Services, rng *rand.Rand, scale int, progress func(string)) error {
	total, err := demoSubscribers(os.Getenv, scale)
	if err != nil {
		return err
	}
	svc, err := NewService(ps)
	if err != nil {
		return err
	}
	contributors, sec, err := demoAccounts(ctx, ps)
	if err != nil {
		return err
	}
	techniques := attack.All()
	kinds := []Kind{KindThreat, KindTrend, KindActor, KindTechnique, KindMitigation}
	labels := []stix.TLP{stix.TLPClear, stix.TLPClear, stix.TLPClear, stix.TLPGreen, stix.TLPGreen, stix.TLPAmber, stix.TLPAmberStrict, stix.TLPRed}
	year := time.Now().UTC().Year() - 1
	made := 0
	for q := range 8 {
		y, n := year+q/4, q%4+1
		var approved []string
		var actors, techs []string
		for i := range 12 {
			u := contributors[rng.IntN(len(contributors))]
			k := kinds[i%len(kinds)]
			t1, t2 := techniques[rng.IntN(len(techniques))], techniques[rng.IntN(len(techniques))]
			in := ItemInput{Kind: string(k), Title: demoTitle(rng, k, y, n), TLP: string(labels[rng.IntN(len(labels))]),
				Summary:    fmt.Sprintf("Observed in %d Q%d: activity using **%s** and %s, against %s.", y, n, t1.FullName(), t2.FullName(), Sectors[rng.IntN(len(Sectors))]),
				Body:       "Details, indicators and recommendations for defenders are available to members on request.",
				Techniques: []string{t1.ID, t2.ID}, Sectors: []string{Sectors[rng.IntN(len(Sectors))]}, Regions: []string{Regions[rng.IntN(len(Regions))]},
				Norms: []string{[]string{"gge2015-c", "gge2015-f", "gge2015-g", "gge2015-i", "gge2015-j"}[rng.IntN(5)]}, References: []string{"https://attack.mitre.org/techniques/" + t1.ID[:5] + "/"}}
			if k == KindActor && len(techs) > 0 {
				in.Links = []Link{{Rel: "uses", To: techs[rng.IntN(len(techs))]}}
			}
			if k == KindMitigation && len(techs) > 0 {
				in.Links = []Link{{Rel: "mitigates", To: techs[rng.IntN(len(techs))]}}
			}
			it, err := svc.CreateItem(ctx, u, in)
			if err != nil {
				return fmt.Errorf("demo item: %w", err)
			}
			if err := svc.SubmitItem(ctx, u, it.ID); err != nil {
				return err
			}
			action, comment := ReviewApprove, ""
			switch rng.IntN(10) {
			case 0:
				action, comment = ReviewReject, "Out of scope for the bulletin."
			case 1:
				action, comment = ReviewRequestChanges, "Please add a public reference."
			}
			if err := svc.ReviewItem(ctx, sec, it.ID, action, comment); err != nil {
				return err
			}
			made++
			if action == ReviewApprove {
				switch {
				case k == KindTechnique && it.TLP.AtMost(stix.TLPAmber):
					// Only techniques every member may see can be linked to
					// by another organisation's items.
					techs = append(techs, it.ID)
				case k == KindActor:
					actors = append(actors, it.ID)
				}
				if it.TLP != stix.TLPRed {
					approved = append(approved, it.ID)
				}
			}
		}
		_ = actors
		is, err := svc.CreateIssue(ctx, sec, IssueInput{Quarter: fmt.Sprintf("%d Q%d", y, n),
			Foreword: fmt.Sprintf("This issue covers %d Q%d. It brings together what member companies observed and what defenders can do about it.", y, n), ItemIDs: approved})
		var fe *FieldError
		if errors.As(err, &fe) && fe.Field == "quarter" {
			continue // made by an earlier run
		}
		if err != nil {
			return fmt.Errorf("demo issue: %w", err)
		}
		if len(approved) > 0 {
			if _, err := svc.PublishIssue(ctx, sec, is.ID); err != nil {
				return fmt.Errorf("demo publish: %w", err)
			}
		}
	}
	progress(fmt.Sprintf("bulletin: %d items, 8 quarterly issues", made))
	// Ten thousand addresses a call, so that a list of millions is never
	// held in memory at once; progress every tenth of the list.
	const chunk = 10_000
	every := max(chunk, total/10/chunk*chunk)
	added := 0
	addrs := make([]string, 0, chunk)
	for start := 0; start < total; start += chunk {
		addrs = addrs[:0]
		for i := start; i < min(start+chunk, total); i++ {
			addrs = append(addrs, fmt.Sprintf("reader%07d@demo.cybernorms.example", i))
		}
		n, err := svc.BulkConfirmed(ctx, addrs, []string{"en", "fr", "es", "ar", "ru", "zh"}[rng.IntN(6)])
		if err != nil {
			return err
		}
		added += n
		if end := min(start+chunk, total); end%every == 0 || end == total {
			progress(fmt.Sprintf("bulletin: %d of %d subscribers", end, total))
		}
	}
	progress(fmt.Sprintf("bulletin: %d confirmed subscribers added", added))
	return nil
}

var demoWords = map[Kind][]string{
	KindThreat:     {"Spear-phishing wave against", "Ransomware campaign hitting", "Supply-chain compromise affecting", "Wiper attacks on"},
	KindTrend:      {"Rise of access brokers selling into", "Living-off-the-land intrusions in", "Abuse of cloud identities in", "Hack-and-leak operations in"},
	KindActor:      {"Actor STORM", "Group AMBERFOX", "Cluster NIGHTRAIN", "Actor COPPERLEAF"},
	KindTechnique:  {"Credential phishing through", "Exploitation of edge devices in", "Malicious updates delivered to", "Token theft in"},
	KindMitigation: {"Phishing-resistant MFA for", "Patch cadence for edge devices in", "Network segmentation for", "Software bill of materials for"},
}

func demoTitle(rng *rand.Rand, k Kind, y, q int) string {
	w := demoWords[k][rng.IntN(len(demoWords[k]))]
	target := []string{"foreign ministries", "hospitals", "energy utilities", "telecom operators", "election bodies", "NGOs"}[rng.IntN(6)]
	if k == KindActor {
		return fmt.Sprintf("%s-%d targets %s (%d Q%d)", w, rng.IntN(90)+10, target, y, q)
	}
	return fmt.Sprintf("%s %s (%d Q%d)", w, target, y, q)
}

// demoAccounts finds stakeholder accounts with an organisation and a
// secretariat account, making them when the platform step made none.
func demoAccounts(ctx context.Context, ps *platform.Services) ([]*auth.User, *auth.User, error) {
	users, err := ps.Auth.List(ctx)
	if err != nil {
		return nil, nil, err
	}
	var contributors []*auth.User
	var sec *auth.User
	for _, u := range users {
		switch {
		case u.Role == auth.RoleStakeholder && u.OrgID != "" && !u.Disabled && len(contributors) < 8:
			contributors = append(contributors, u)
		case u.Role == auth.RoleSecretariat && sec == nil && !u.Disabled:
			sec = u
		}
	}
	if len(contributors) == 0 {
		slug := "demo-bulletin-contributor"
		if _, err := ps.DB.ExecContext(ctx, `INSERT INTO organisations (id, slug, name, kind, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (slug) DO NOTHING`,
			id.New(), slug, "Demo Security Company", "business", time.Now().UTC()); err != nil {
			return nil, nil, err
		}
		u, err := ps.Auth.Create(ctx, auth.NewUser{Email: "bulletin-contributor@demo.cybernorms.example", Name: "Demo contributor", Role: auth.RoleStakeholder, OrgSlug: slug, Password: id.Secret(16)})
		if err != nil {
			return nil, nil, fmt.Errorf("demo contributor: %w", err)
		}
		contributors = append(contributors, u)
	}
	if sec == nil {
		u, err := ps.Auth.Create(ctx, auth.NewUser{Email: "bulletin-editor@demo.cybernorms.example", Name: "Demo bulletin editor", Role: auth.RoleSecretariat, Password: id.Secret(16)})
		if err != nil {
			return nil, nil, fmt.Errorf("demo editor: %w", err)
		}
		sec = u
	}
	return contributors, sec, nil
}
