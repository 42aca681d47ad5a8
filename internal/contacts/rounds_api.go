package contacts

import (
	"errors"
	"net/http"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

func asAPIError(err error, target **api.Error) bool { return errors.As(err, target) }

// AckInput carries an acknowledgement token from an e-mailed link.
type AckInput struct {
	Token string `json:"token"`
}

// AckResult confirms an acknowledgement.
type AckResult struct {
	Acknowledged bool `json:"acknowledged"`
}

func (m *Module) roundAPIRoutes(r *web.Router) {
	idp := []api.Param{{Name: "id", In: "path", Description: "the round's id"}}
	r.API(api.Op{Method: "GET", Path: "/api/v1/contacts/rounds", Tag: "contacts", Summary: "Communication-check rounds, newest first, with their public figures (by State, once the deadline has passed)",
		Response: []RoundSummary{}}, web.Public, m.apiRounds)
	r.API(api.Op{Method: "POST", Path: "/api/v1/contacts/rounds", Tag: "contacts", Summary: "Start a communication-check round (all States with contacts, or a list); every contact is e-mailed a single-use acknowledgement link",
		Request: RoundInput{}, Response: RoundSummary{}, Status: http.StatusCreated}, web.Secretariat, m.apiStartRound)
	r.API(api.Op{Method: "GET", Path: "/api/v1/contacts/rounds/{id}", Tag: "contacts", Summary: "A round's public results: aggregates and each State's result, after the deadline; never a contact's details",
		Params: idp, Response: RoundResults{}}, web.Public, m.apiRound)
	r.API(api.Op{Method: "GET", Path: "/api/v1/contacts/rounds/{id}/pings", Tag: "contacts", Summary: "A round's contacts and their outcomes: every one for the secretariat, the caller's own State's for State users",
		Params: idp, Response: []Ping{}}, signedInState, m.apiRoundPings)
	r.API(api.Op{Method: "POST", Path: "/api/v1/contacts/rounds/{id}/bounces", Tag: "contacts", Summary: "Record bounced check e-mails by address (secretariat)",
		Params: idp, Request: BouncesInput{}, Response: BouncesResult{}}, web.Secretariat, m.apiBounces)
	r.API(api.Op{Method: "POST", Path: "/api/v1/contacts/pings/{id}/ack", Tag: "contacts", Summary: "Acknowledge a check sent to your own address, as that contact of your State (after the deadline it counts as late); a colleague's check is 403",
		Params: []api.Param{{Name: "id", In: "path", Description: "the ping's id"}}, Response: Ping{}}, web.StateStaff, m.apiAckPing)
	r.API(api.Op{Method: "POST", Path: "/api/v1/contacts/ack", Tag: "contacts", Summary: "Acknowledge a check with the token of an e-mailed link (no sign-in); a used, expired or altered token is refused (410, 410, 400) and records nothing",
		Request: AckInput{}, Response: AckResult{}, Errors: []int{410}}, web.Public, m.apiAck)
	r.API(api.Op{Method: "GET", Path: "/api/v1/contacts/states/{iso3}/rounds", Tag: "contacts", Summary: "A State's result in every closed round, newest first",
		Params: []api.Param{{Name: "iso3", In: "path", Description: "ISO 3166-1 alpha-3 code of the State"}}, Response: []StateResult{}}, web.Public, m.apiStateRounds)
}

func (m *Module) apiRounds(w http.ResponseWriter, r *http.Request) {
	list, err := m.svc.Rounds(r.Context())
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, list)
}

func (m *Module) apiStartRound(w http.ResponseWriter, r *http.Request) {
	var in RoundInput
	if err := api.Decode(w, r, &in, 64<<10); err != nil {
		api.WriteError(w, err)
		return
	}
	sum, err := m.svc.StartRound(r.Context(), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, sum)
}

func (m *Module) apiRound(w http.ResponseWriter, r *http.Request) {
	res, err := m.svc.RoundResults(r.Context(), r.PathValue("id"), "en")
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, res)
}

func (m *Module) apiRoundPings(w http.ResponseWriter, r *http.Request) {
	list, err := m.svc.RoundPings(r.Context(), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	api.WriteJSON(w, http.StatusOK, list)
}

func (m *Module) apiBounces(w http.ResponseWriter, r *http.Request) {
	var in BouncesInput
	if err := api.Decode(w, r, &in, 1<<20); err != nil {
		api.WriteError(w, err)
		return
	}
	res, err := m.svc.RecordBounces(r.Context(), r.PathValue("id"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, res)
}

func (m *Module) apiAckPing(w http.ResponseWriter, r *http.Request) {
	p, err := m.svc.AcknowledgeInPlatform(r.Context(), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, p)
}

func (m *Module) apiAck(w http.ResponseWriter, r *http.Request) {
	var in AckInput
	if err := api.Decode(w, r, &in, 4<<10); err != nil {
		api.WriteError(w, err)
		return
	}
	if in.Token == "" {
		api.WriteError(w, api.Invalid("token", "is required"))
		return
	}
	if err := m.svc.AcknowledgeLink(r.Context(), in.Token); err != nil {
		m.apiFail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	api.WriteJSON(w, http.StatusOK, AckResult{Acknowledged: true})
}

func (m *Module) apiStateRounds(w http.ResponseWriter, r *http.Request) {
	list, err := m.svc.StateHistory(r.Context(), r.PathValue("iso3"), "en")
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, list)
}
