package web

import (
	"net/netip"
	"testing"
)

func TestForwardedClient(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	for _, c := range []struct {
		remote string
		xff    []string
		want   string
	}{
		// The client writes whatever it likes to the left; the proxy appends
		// the address it saw.
		{"127.0.0.1:5000", []string{"6.6.6.6, 9.9.9.9"}, "9.9.9.9"},
		{"127.0.0.1:5000", []string{"6.6.6.6", "9.9.9.9"}, "9.9.9.9"},
		{"127.0.0.1:5000", []string{"9.9.9.9, 10.1.2.3"}, "9.9.9.9"},
		{"127.0.0.1:5000", []string{"9.9.9.9"}, "9.9.9.9"},
		{"127.0.0.1:5000", []string{"1.1.1.1, 9.9.9.9:4711"}, "9.9.9.9"},
		{"127.0.0.1:5000", []string{"2001:db8::1"}, "2001:db8::1"},
		{"[::1]:5000", []string{"[2001:db8::1]:80"}, "2001:db8::1"},
		// Not from a proxy: the header is the client's own invention.
		{"9.9.9.9:5000", []string{"10.0.0.1"}, "9.9.9.9"},
		{"9.9.9.9:5000", []string{"1.2.3.4"}, "9.9.9.9"},
		// Garbage ends the walk at the last trusted hop.
		{"127.0.0.1:5000", []string{"1.2.3.4, <script>"}, "127.0.0.1"},
		{"127.0.0.1:5000", []string{"x, 10.0.0.7"}, "10.0.0.7"},
		{"127.0.0.1:5000", []string{""}, "127.0.0.1"},
		// Only proxies: the leftmost.
		{"127.0.0.1:5000", []string{"10.0.0.2, 10.0.0.3"}, "10.0.0.2"},
	} {
		if got := ForwardedClient(c.remote, c.xff, proxies); got != c.want {
			t.Errorf("ForwardedClient(%q, %q) = %q, want %q", c.remote, c.xff, got, c.want)
		}
	}
}
