package web

import (
	"mime"
	"net/http"
	"net/url"
	"regexp"

	"github.com/cybernorms/cybernorms/internal/platform/api"
)

// input is what the router checks of every request to a route before its
// handler runs (docs/architecture.md, "Where text is validated"):
//
//   - each path parameter: valid UTF-8, single-line (no control characters),
//     at most api.MaxParam characters (api.MaxRestParam for {name...});
//   - the query: well-formed, every name and value valid UTF-8, single-line,
//     at most api.MaxQuery characters; query parameters documented as
//     integers in the route's api.Op fit a 32-bit column (else 422);
//   - a url-encoded form body: every field checked as api.CheckText does
//     (single- or multi-line by api.MultilineName) and NFC-normalised in
//     place, so handlers read clean values with r.PostFormValue.
//
// Malformed path and query parameters are 400, out-of-range integer
// parameters and refused form fields 422, all naming the field.
type input struct {
	params []pathParam
	ints   []string // integer query parameters
}

type pathParam struct {
	name string
	max  int
}

var wildcard = regexp.MustCompile(`\{([A-Za-z0-9_]+)(\.\.\.)?\}`)

func inputOf(path string, params []api.Param) input {
	var in input
	for _, m := range wildcard.FindAllStringSubmatch(path, -1) {
		max := api.MaxParam
		if m[2] != "" {
			max = api.MaxRestParam
		}
		in.params = append(in.params, pathParam{m[1], max})
	}
	for _, p := range params {
		if p.In != "path" && p.Schema == "integer" {
			in.ints = append(in.ints, p.Name)
		}
	}
	return in
}

func (in input) check(r *http.Request) *api.Error {
	for _, p := range in.params {
		if e := api.ParamProblem(p.name, r.PathValue(p.name), p.max); e != nil {
			return e
		}
	}
	if r.URL.RawQuery != "" {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return &api.Error{Status: http.StatusBadRequest, Code: "invalid_parameter", Field: "(query)", Message: "the query string is malformed"}
		}
		for k, vs := range q {
			if e := api.ParamProblem(k, k, api.MaxQuery); e != nil {
				e.Field = "(query)"
				e.Message = "a parameter name " + e.Message
				return e
			}
			for _, v := range vs {
				if e := api.ParamProblem(k, v, api.MaxQuery); e != nil {
					return e
				}
			}
		}
		for _, name := range in.ints {
			if e := api.IntParamProblem(name, q.Get(name)); e != nil {
				return e
			}
		}
	}
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if ct == "application/x-www-form-urlencoded" {
			if err := r.ParseForm(); err != nil {
				// Leave it to the handler, which answers a body too large
				// or unreadable in its own way.
				return nil
			}
			return CheckForm(r)
		}
	}
	return nil
}

// CheckForm validates and NFC-normalises, in place, the fields of a parsed
// form: r.PostForm, r.Form (which holds its own copies; FormValue reads it)
// and, after ParseMultipartForm, r.MultipartForm.Value. The router does it
// for url-encoded forms; a handler of a multipart form calls it after
// parsing. The error is a 422 naming the first refused field.
func CheckForm(r *http.Request) *api.Error {
	if e := checkValues(r.PostForm); e != nil {
		return e
	}
	if e := checkValues(r.Form); e != nil {
		return e
	}
	if r.MultipartForm != nil {
		return checkValues(r.MultipartForm.Value)
	}
	return nil
}

func checkValues(form url.Values) *api.Error {
	for k, vs := range form {
		if why := api.Problem(k, false, api.MaxLine); why != "" {
			return api.Invalid("(form)", "a field name "+why)
		}
		for i, v := range vs {
			clean, err := api.CheckText(k, v, api.MultilineName(k), 0)
			if err != nil {
				return err.(*api.Error)
			}
			vs[i] = clean
		}
	}
	return nil
}
