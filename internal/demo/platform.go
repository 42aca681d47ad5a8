package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strings"

	"github.com/cybernorms/cybernorms/internal/admin"
	"github.com/cybernorms/cybernorms/internal/framework"
	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/states"
)

// Password is the password of every demo account. It is printed at the end
// of a run and documented in docs/modules/demo.md; demo databases are for
// showing the software, never for real use.
const Password = "cybernorms demo password"

// OrganisationsPerScale is how many stakeholder organisations scale 1 makes.
const OrganisationsPerScale = 2000

// DemoStates are the States that get a demo editor and approver.
var DemoStates = []string{"FRA", "KEN", "BRA", "IND", "AUS", "EST"}

// Account is a demo account, as printed at the end of a run.
type Account struct {
	Email, Role, Scope string
}

// Accounts lists the demo accounts the platform step makes, in order.
// Stakeholder accounts belong to the first organisation of each kind.
func Accounts() []Account {
	out := []Account{
		{"secretariat@demo.example.org", string(auth.RoleSecretariat), ""},
		{"secretariat2@demo.example.org", string(auth.RoleSecretariat), ""},
	}
	for _, iso := range DemoStates {
		l := strings.ToLower(iso)
		out = append(out,
			Account{"editor." + l + "@demo.example.org", string(auth.RoleStateEditor), iso},
			Account{"approver." + l + "@demo.example.org", string(auth.RoleStateApprover), iso})
	}
	for _, k := range admin.OrganisationKinds {
		out = append(out, Account{"member." + k + "@demo.example.org", string(auth.RoleStakeholder), k})
	}
	return out
}

// GeneratePlatform makes the platform-level demo data: stakeholder
// organisations (admin.CreateOrganisation), demo accounts for every role
// (auth.Store.Create) and demonstration translations of the GGE norms
// (framework.Store.AddText). Re-running with --force skips what exists.
func GeneratePlatform(ctx context.Context, svc *platform.Services, rng *rand.Rand, scale int, progress func(string)) error {
	return Platform(OrganisationsPerScale)(ctx, svc, rng, scale, progress)
}

// Platform is GeneratePlatform with orgsPerScale organisations per unit of
// scale, so tests can make a small world quickly.
func Platform(orgsPerScale int) Generator {
	return func(ctx context.Context, svc *platform.Services, rng *rand.Rand, scale int, progress func(string)) error {
		return generatePlatform(ctx, svc, rng, scale*orgsPerScale, progress)
	}
}

func generatePlatform(ctx context.Context, svc *platform.Services, rng *rand.Rand, orgs int, progress func(string)) error {
	firstOfKind, made, err := generateOrganisations(ctx, svc, rng, orgs, progress)
	if err != nil {
		return err
	}
	progress(fmt.Sprintf("%d organisations", made))
	n := 0
	for _, a := range Accounts() {
		nu := auth.NewUser{Email: a.Email, Role: auth.Role(a.Role), Password: Password}
		switch {
		case nu.Role.IsState():
			s, _ := states.ByISO3(a.Scope)
			nu.StateISO3 = a.Scope
			nu.Name = fmt.Sprintf("%s %s (%s)", personName(rng), roleLabel(nu.Role), s.Name("en"))
		case nu.Role == auth.RoleStakeholder:
			nu.OrgSlug = firstOfKind[a.Scope]
			nu.Name = personName(rng)
		default:
			nu.Name = personName(rng) + " (secretariat)"
		}
		_, err := svc.Auth.Create(ctx, nu)
		var fe *auth.FieldError
		if errors.As(err, &fe) && (fe.Field == "email" || fe.Field == "org") {
			continue // made by an earlier run (--force), or its organisation was
		}
		if err != nil {
			return fmt.Errorf("demo account %s: %w", a.Email, err)
		}
		n++
	}
	progress(fmt.Sprintf("%d accounts", n))
	t, err := generateTranslations(ctx, svc)
	if err != nil {
		return err
	}
	progress(fmt.Sprintf("%d norm translations", t))
	return nil
}

func roleLabel(r auth.Role) string {
	if r == auth.RoleStateApprover {
		return "approver"
	}
	return "editor"
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// slugify makes an organisation slug from a name and a sequence number.
func slugify(name string, n int) string {
	s := strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(asciiFold(name)), "-"), "-")
	suffix := fmt.Sprintf("-%d", n)
	if len(s) > 63-len(suffix) {
		s = strings.TrimRight(s[:63-len(suffix)], "-")
	}
	return s + suffix
}

func generateOrganisations(ctx context.Context, svc *platform.Services, rng *rand.Rand, count int, progress func(string)) (map[string]string, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "/admin/organisations", nil)
	if err != nil {
		return nil, 0, err
	}
	firstOfKind := map[string]string{}
	made := 0
	for i := 1; i <= count; i++ {
		kind := pickKind(rng)
		name := organisationName(rng, kind)
		slug := slugify(name, i)
		if _, ok := firstOfKind[kind]; !ok {
			firstOfKind[kind] = slug
		}
		_, err := admin.CreateOrganisation(req, svc.DB, admin.Organisation{Slug: slug, Name: name, Kind: kind})
		var fe *auth.FieldError
		if errors.As(err, &fe) && fe.Field == "slug" {
			continue // made by an earlier run with the same seed (--force)
		}
		if err != nil {
			return nil, made, fmt.Errorf("demo organisation %q: %w", name, err)
		}
		made++
		if i%max(500, count/10) == 0 {
			progress(fmt.Sprintf("%d/%d organisations", i, count))
		}
	}
	return firstOfKind, made, nil
}

// demoNotice starts each demonstration translation, in its own language,
// so nobody mistakes it for an official UN text.
var demoNotice = map[string]string{
	"ar": "نص تجريبي، وليس الترجمة الرسمية: ",
	"zh": "演示文本，非正式译文：",
	"fr": "Texte de démonstration, pas la traduction officielle : ",
	"ru": "Демонстрационный текст, не официальный перевод: ",
	"es": "Texto de demostración, no es la traducción oficial: ",
}

func generateTranslations(ctx context.Context, svc *platform.Services) (int, error) {
	fw := &framework.Store{DB: svc.DB}
	norms, err := fw.Norms(ctx, framework.GGE2015, "en")
	if err != nil {
		return 0, fmt.Errorf("list norms: %w", err)
	}
	n := 0
	for _, nm := range norms {
		for _, lang := range []string{"ar", "zh", "fr", "ru", "es"} {
			in := framework.TextInput{Lang: lang, Text: demoNotice[lang] + nm.Text, Source: "demo data: not an official translation"}
			if _, err := fw.AddText(ctx, nm.ID, in, func(l string) bool { return demoNotice[l] != "" || l == "en" }); err != nil {
				return n, fmt.Errorf("translate %s into %s: %w", nm.ID, lang, err)
			}
			n++
		}
	}
	return n, nil
}
