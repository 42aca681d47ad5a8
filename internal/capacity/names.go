package capacity

import "strings"

// The services name States in English (the API's state_name, provider and
// implementer names, and what is stored); pages name them in the reader's
// language through these, just before rendering.

// localNeed names the need's State in lang.
func localNeed(n *Need, lang string) {
	if n != nil {
		n.StateName = stateName(n.State, lang)
	}
}

// localOffer names a providing State in lang.
func localOffer(o *Offer, lang string) {
	if o != nil && o.ProviderKind == "state" {
		o.Provider = stateName(o.State, lang)
	}
}

// localProject names the beneficiaries and the implementing States in lang.
func localProject(p *Project, lang string) {
	p.BeneficiaryName = stateName(p.Beneficiary, lang)
	for i := range p.Beneficiaries {
		p.Beneficiaries[i].Name = stateName(p.Beneficiaries[i].State, lang)
	}
	if len(p.Implementers) == 0 {
		if p.ImplementerKind == "state" {
			p.Implementer = stateName(p.ImplementerISO3, lang)
		}
		return
	}
	names := make([]string, len(p.Implementers))
	for i := range p.Implementers {
		if im := &p.Implementers[i]; im.Kind == "state" {
			im.Name = stateName(im.State, lang)
		}
		names[i] = p.Implementers[i].Name
	}
	p.Implementer = strings.Join(names, "; ")
}

// localMeeting names the requesting State and the States asked in lang.
func localMeeting(g *Meeting, lang string) {
	g.StateName = stateName(g.State, lang)
	for i := range g.Participants {
		if x := &g.Participants[i]; x.Kind == "state" {
			x.Name = stateName(x.State, lang)
		}
	}
}

// localMatch names a providing State in lang.
func localMatch(mv *MatchView, lang string) {
	if mv.providerState != "" {
		mv.Provider = stateName(mv.providerState, lang)
	}
}

// localEvent names a State organiser, or the secretariat, in lang (t is
// the catalog in lang).
func localEvent(e *Event, lang string, t tr) {
	if iso, ok := strings.CutPrefix(e.OrganiserKey, "state-"); ok {
		e.Organiser = stateName(strings.ToUpper(iso), lang)
	} else if e.OrganiserKey == "secretariat" {
		e.Organiser = t("capacity.organiser_secretariat")
	}
}

// localSuggestions names the States of proposals in lang.
func localSuggestions(list []Suggestion, lang string) {
	for i := range list {
		localNeed(list[i].Need, lang)
		localOffer(list[i].Offer, lang)
	}
}
