package demo

import (
	"math/rand/v2"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/cybernorms/cybernorms/internal/states"
)

// Word lists for names. They are varied enough that searching for an
// organisation by a word finds a handful, not all or none.
var (
	givenNames = []string{"Amina", "Lucas", "Mei", "Olusegun", "Sofia", "Arjun", "Ingrid", "Mateo", "Fatima", "Kenji",
		"Chloé", "Dmitri", "Nadia", "Tomás", "Aroha", "Kwame", "Leila", "Jonas", "Priya", "Gabriel", "Hana", "Youssef",
		"Elena", "Tenzin", "Marta", "Sipho", "Anouk", "Rafael", "Zeynep", "Liam"}
	familyNames = []string{"Okafor", "Dubois", "Chen", "Silva", "Kowalski", "Haddad", "Nakamura", "Mensah", "García", "Ivanova",
		"Tamm", "Singh", "Müller", "Rossi", "Ndlovu", "Al-Farsi", "Andersen", "Kim", "Moreau", "Petrov", "Baptiste",
		"Wanjiru", "O'Brien", "Sato", "Hernández", "Novák", "Aziz", "Lindqvist", "Costa", "Tan"}

	businessStem = []string{"Northwind", "Meridian", "Bluepeak", "Ironbark", "Kestrel", "Solace", "Quartzline", "Harbourlight",
		"Redwood", "Atlas", "Lumen", "Sentinel", "Cobalt", "Nimbus", "Vantage", "Halcyon", "Baobab", "Andes", "Tundra", "Monsoon"}
	businessField = []string{"Cyber", "Secure Networks", "Cloud", "Threat Intelligence", "Telecom", "Data Centres", "Software",
		"Identity", "Incident Response", "Payments", "Semiconductors", "Satellite", "Energy Systems", "Encryption", "Analytics"}
	businessForm = []string{"Ltd", "Inc.", "S.A.", "GmbH", "plc", "Group", "Labs", "Holdings", "AG", "Pty Ltd"}

	ngoTopic = []string{"Digital Rights", "Internet Freedom", "Human Rights Online", "Cyber Peace", "Privacy", "Open Internet",
		"Women in Cybersecurity", "Responsible Technology", "Civic Tech", "Humanitarian Data", "Press Freedom Online",
		"Child Online Protection", "Accessible Technology", "Cyber Capacity", "Digital Inclusion"}
	ngoForm = []string{"Foundation", "Initiative", "Network", "Alliance", "Coalition", "Trust", "Institute", "Centre", "Forum", "Watch"}

	academicUnit = []string{"Centre for Cyber Policy", "Department of Computer Science", "Institute for Security Studies",
		"Law Faculty, Technology and Law Programme", "School of International Relations", "Cybersecurity Research Group",
		"Centre for International Law", "Digital Governance Lab", "Critical Infrastructure Research Unit", "Peace Research Institute"}

	techBody = []string{"Network Operators Group", "CSIRT Association", "Internet Exchange Point", "Domain Name Registry",
		"Internet Society Chapter", "Open Source Security Foundation Chapter", "Computer Emergency Response Team Forum",
		"Routing Security Working Group", "IPv6 Task Force", "Standards Forum"}

	otherBody = []string{"Chamber of Commerce Digital Committee", "Cyber Insurance Association", "Bar Association Technology Committee",
		"Journalists' Cybersecurity Desk", "Parliamentary Friends of the Internet", "Youth Internet Governance Forum"}
)

// pickKind draws an organisation kind with a realistic mix: many companies
// and NGOs, fewer universities and technical bodies.
func pickKind(rng *rand.Rand) string {
	switch n := rng.IntN(100); {
	case n < 40:
		return "business"
	case n < 65:
		return "ngo"
	case n < 85:
		return "academia"
	case n < 95:
		return "technical-community"
	default:
		return "other"
	}
}

func pick(rng *rand.Rand, list []string) string { return list[rng.IntN(len(list))] }

// placeName is a State's English short name, for names such as "University
// of Kenya …"; using the 195 States keeps names varied and recognisable.
func placeName(rng *rand.Rand) string {
	all := states.All()
	return all[rng.IntN(len(all))].Name("en")
}

func organisationName(rng *rand.Rand, kind string) string {
	switch kind {
	case "business":
		return pick(rng, businessStem) + " " + pick(rng, businessField) + " " + pick(rng, businessForm)
	case "ngo":
		if rng.IntN(2) == 0 {
			return pick(rng, ngoTopic) + " " + pick(rng, ngoForm) + " " + placeName(rng)
		}
		return placeName(rng) + " " + pick(rng, ngoTopic) + " " + pick(rng, ngoForm)
	case "academia":
		return "University of " + placeName(rng) + ", " + pick(rng, academicUnit)
	case "technical-community":
		return placeName(rng) + " " + pick(rng, techBody)
	default:
		return placeName(rng) + " " + pick(rng, otherBody)
	}
}

func personName(rng *rand.Rand) string {
	return pick(rng, givenNames) + " " + pick(rng, familyNames)
}

// asciiFold removes accents so names make readable slugs ("Côte d'Ivoire"
// becomes "cote-d-ivoire").
func asciiFold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if r < 128 {
			b.WriteRune(r)
		} else if r >= 0x300 && r <= 0x36f {
			continue // combining accent
		} else {
			b.WriteRune(' ')
		}
	}
	return b.String()
}
