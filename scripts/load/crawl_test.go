package main

import "testing"

func TestCrawlFollowsPagesOnly(t *testing.T) {
	for _, c := range []struct {
		from, href, want string
		ok               bool
	}{
		{"/", "/norms", "/norms", true},
		{"/norms", "gge2015-a", "/gge2015-a", true},
		{"/compendium", "/compendium/search?norm=gge2015-a&amp=1", "/compendium/search?norm=gge2015-a&amp=1", true},
		{"/", "https://example.org/x", "", false},
		{"/", "/api/v1/norms", "", false},
		{"/data", "/data/files/measures.csv", "", false},
		{"/bulletin", "/bulletin/feed.atom", "", false},
		{"/", "/account/logout", "", false},
		{"/positions/documents/x", "/positions/documents/x/file", "", false},
	} {
		got, ok := crawlable(c.from, c.href)
		if got != c.want || ok != c.ok {
			t.Errorf("crawlable(%q, %q) = %q, %v; want %q, %v", c.from, c.href, got, ok, c.want, c.ok)
		}
	}
	for p, want := range map[string]string{
		"/reports/01M98VCEKBESH02FVT8Y39H5HF/diff?version=1": "/reports/ID/diff?",
		"/incidents/states/UKR":                              "/incidents/states/UKR",
		"/incidents?year=2010":                               "/incidents?",
		"/participation/sessions/oewg-s6":                    "/participation/sessions/oewg-s6",
		"/bulletin/issues/2024/3":                            "/bulletin/issues/ID/ID",
	} {
		if got := shapeOf(p); got != want {
			t.Errorf("shapeOf(%q) = %q, want %q", p, got, want)
		}
	}
}
