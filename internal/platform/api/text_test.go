package api

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestTextRules(t *testing.T) {
	long := strings.Repeat("a", MaxLine+1)
	for _, c := range []struct {
		s     string
		multi bool
		ok    bool
	}{
		{"Plain title", false, true},
		{"a\x00b", false, false}, {"a\x00b", true, false},
		{"a\nb", false, false}, {"a\nb", true, true},
		{"a\r\nb\tc", true, true}, {"a\tb", false, false},
		{"a\u0007b", true, false}, {"a\u0085b", true, false}, {"a\x7fb", false, false},
		{"a\u202eb", false, false}, {"a\u202eb", true, true}, {"a\u2067b", false, false},
		{"a\u2028b", false, false},
		{"\xff\xfe", false, false}, {"\xff\xfe", true, false},
		{long, false, false}, {long, true, true},
		{"مرحبا", false, true},
	} {
		got := Problem(c.s, c.multi, 0) == ""
		if got != c.ok {
			t.Errorf("Problem(%q, multi=%v) ok=%v, want %v", c.s, c.multi, got, c.ok)
		}
	}
	if s, err := Line("title", "e\u0301", 0); err != nil || s != "\u00e9" {
		t.Errorf("Line does not normalise to NFC: %q %v", s, err)
	}
	_, err := Line("title", "a\nb", 0)
	var ae *Error
	if !errors.As(err, &ae) || ae.Status != 422 || ae.Field != "title" {
		t.Errorf("Line refusal: %#v", err)
	}
}

func TestMultilineTextGetsLFLineEndings(t *testing.T) {
	for in, want := range map[string]string{
		"one\r\ntwo\r\n": "one\ntwo\n", "old\rmac": "old\nmac", "mixed\r\n\n\r": "mixed\n\n\n", "unix\n": "unix\n",
	} {
		if got, err := Multiline("description", in, 0); err != nil || got != want {
			t.Errorf("Multiline(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	type body struct {
		Description string `json:"description"`
		Raw         string `json:"raw_description" text:"multiline,raw"`
	}
	b := body{Description: "a\r\nb", Raw: "a\r\nb"}
	if err := CleanValue(&b); err != nil || b.Description != "a\nb" || b.Raw != "a\r\nb" {
		t.Errorf("CleanValue: %+v %v (want LF in description, raw kept)", b, err)
	}
}

func TestMultilineName(t *testing.T) {
	for name, want := range map[string]bool{"title": false, "name": false, "slug": false, "email": false, "subject": false,
		"body": true, "description": true, "m.3.description": true, "answer_2": true, "content.measures[1].description": true,
		"content.measures[1].title": false, "ilaw_summary": true, "answers[3]": true} {
		if MultilineName(name) != want {
			t.Errorf("MultilineName(%q) = %v", name, !want)
		}
	}
}

type decIn struct {
	Title    string              `json:"title"`
	Body     string              `json:"body"`
	Revision int                 `json:"revision"`
	Big      int64               `json:"big" text:"int64"`
	Tags     []string            `json:"tags"`
	Answers  map[int]string      `json:"answers"`
	Extra    map[string]any      `json:"extra"`
	Sub      *struct{ X string } `json:"sub"`
}

func TestDecodeRefusesBadText(t *testing.T) {
	for body, field := range map[string]string{
		`{"title":"a\u0000b"}`:                               "title",
		`{"title":"a\nb"}`:                                   "title",
		`{"body":"a\u0007b"}`:                                "body",
		`{"tags":["ok","a\rb"]}`:                             "tags[1]",
		`{"answers":{"2":"a\u0000"}}`:                        "answers[2]",
		`{"extra":{"k":["a\u0000"]}}`:                        "extra.k[0]",
		`{"sub":{"X":"\u202e"}}`:                             "sub.X",
		`{"revision":2147483648}`:                            "revision",
		`{"revision":-9223372036854775808}`:                  "revision",
		`{"title":"\ud800"}`:                                 "(body)",
		"{\"title\":\"\xff\"}":                               "(body)",
		`{"title":"` + strings.Repeat("x", MaxLine+1) + `"}`: "title",
	} {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		var in decIn
		err := Decode(httptest.NewRecorder(), r, &in, 0)
		var ae *Error
		if !errors.As(err, &ae) || ae.Field != field || ae.Status < 400 || ae.Status >= 500 {
			t.Errorf("%.60s: got %#v, want a 4xx naming %s", body, err, field)
		}
	}
	r := httptest.NewRequest("POST", "/", strings.NewReader(`{"title":"Cafe\u0301","body":"a\nb\tc","big":9223372036854775807,"tags":["x"],"answers":{"1":"e\u0301"},"extra":{"k":"e\u0301"},"revision":-2147483648,"sub":{"X":"\ud83d\ude00"}}`))
	var in decIn
	if err := Decode(httptest.NewRecorder(), r, &in, 0); err != nil {
		t.Fatal(err)
	}
	if in.Title != "Caf\u00e9" || in.Answers[1] != "\u00e9" || in.Extra["k"] != "\u00e9" || in.Sub.X != "😀" {
		t.Errorf("not normalised: %+v", in)
	}
	_ = http.StatusOK
}

type listsOut struct {
	IDs   []string         `json:"ids"`
	Rows  []listsRow       `json:"rows"`
	Ptr   *listsRow        `json:"ptr"`
	M     map[string][]int `json:"m"`
	Any   any              `json:"any"`
	Skip  []string         `json:"-"`
	Empty []string         `json:"empty,omitempty"`
}

type listsRow struct {
	Values []int `json:"values"`
}

func TestEmptyListsAreNeverNull(t *testing.T) {
	shared := &listsRow{}
	in := listsOut{Rows: []listsRow{{}}, Ptr: shared, M: map[string][]int{"a": nil}, Any: map[string]any{"x": []string(nil)}}
	rec := httptest.NewRecorder()
	WriteJSON(rec, 200, in)
	want := `{"ids":[],"rows":[{"values":[]}],"ptr":{"values":[]},"m":{"a":[]},"any":{"x":[]}}` + "\n"
	if rec.Body.String() != want {
		t.Errorf("got  %s\nwant %s", rec.Body.String(), want)
	}
	if shared.Values != nil || in.Rows[0].Values != nil {
		t.Error("WriteJSON changed the value it was given")
	}
}

type reqIn struct {
	Revision int            `json:"revision" api:"required"`
	Content  map[string]any `json:"content" api:"required"`
	Note     string         `json:"note"`
}

func TestDecodeRefusesAMissingRequiredField(t *testing.T) {
	for body, field := range map[string]string{`{"revision":4}`: "content", `{"content":{}}`: "revision", `{"revision":4,"content":null}`: "content"} {
		var in reqIn
		err := Decode(httptest.NewRecorder(), httptest.NewRequest("PUT", "/", strings.NewReader(body)), &in, 0)
		var ae *Error
		if !errors.As(err, &ae) || ae.Status != 422 || ae.Field != field {
			t.Errorf("%s: %v, want 422 naming %s", body, err, field)
		}
	}
	var in reqIn
	if err := Decode(httptest.NewRecorder(), httptest.NewRequest("PUT", "/", strings.NewReader(`{"revision":4,"content":{}}`)), &in, 0); err != nil {
		t.Error(err)
	}
	s := &Spec{}
	s.Add(Op{Method: "PUT", Path: "/x", Request: reqIn{}})
	doc := s.Document()
	sch := doc["components"].(map[string]any)["schemas"].(map[string]any)["ApireqIn"].(map[string]any)
	if req := sch["required"].([]string); len(req) != 2 || req[0] != "content" || req[1] != "revision" {
		t.Errorf("required in the document: %v", req)
	}
}
