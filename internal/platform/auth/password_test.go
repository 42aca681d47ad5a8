package auth

import (
	"strings"
	"testing"
)

// TestPasswordHashes: a hash is argon2id at OWASP's minimum (19 MiB, two
// passes) until a test binary asks for cheap ones; hashes of either cost
// verify, and a wrong password does not.
func TestPasswordHashes(t *testing.T) {
	const pw = "correct horse battery staple"
	full, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(full, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("a hash at full cost is %s", full)
	}
	// The hash an unknown account's sign-in is checked against costs what
	// a real one does: the same parameters, parsed without error.
	params := full[:strings.LastIndex(full[:strings.LastIndex(full, "$")], "$")+1]
	if !strings.HasPrefix(dummyHash, params) {
		t.Errorf("the dummy hash %s does not have a real one's parameters %s", dummyHash, params)
	}
	if ok, err := VerifyPassword(dummyHash, pw); ok || err != nil {
		t.Errorf("checking against the dummy hash: %v, %v; want false and no error", ok, err)
	}
	UseCheapHashesInTests()
	cheap, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cheap, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("a cheap hash is %s", cheap)
	}
	for _, h := range []string{full, cheap} {
		if ok, err := VerifyPassword(h, pw); !ok || err != nil {
			t.Errorf("%s does not verify: %v", h, err)
		}
		if ok, _ := VerifyPassword(h, pw+"!"); ok {
			t.Errorf("%s verifies a wrong password", h)
		}
	}
}
