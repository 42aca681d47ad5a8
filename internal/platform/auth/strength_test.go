package auth

import "testing"

func TestPasswordPolicy(t *testing.T) {
	for pw, want := range map[string]string{
		"short":                        PasswordShort,
		"password1234":                 PasswordCommon,
		"Password1234!":                PasswordCommon,
		"P@ssw0rd2024":                 PasswordCommon,
		"monkeymonkeymonkey":           PasswordCommon,
		"1234567890ab":                 PasswordWeak,
		"qwertyuiop123":                PasswordCommon,
		"aaaaaaaaaaaa":                 PasswordCommon,
		"zzzzzzzzzzzzzz":               PasswordWeak,
		"letmeinletmein":               PasswordCommon,
		"cybernorms2024":               PasswordWeak,
		"correct horse battery staple": "",
		"a long enough passphrase":     "",
		"tangerine orbit mercy 77":     "",
	} {
		if got := PasswordProblem(pw); got != want {
			t.Errorf("PasswordProblem(%q) = %q, want %q", pw, got, want)
		}
	}
	if got := PasswordProblem("jane.rivera@example.org", "jane.rivera@example.org", "Jane Rivera"); got != PasswordWeak {
		t.Errorf("a password made of the holder's own name: %q, want weak", got)
	}
}
