package auth

import (
	"bufio"
	_ "embed"
	"strings"
	"sync"

	"github.com/trustelem/zxcvbn"
)

// commonPasswords is the 1,000 most common passwords of the xato.net
// ten-million-password corpus, from SecLists (danielmiessler/SecLists,
// Passwords/Common-Credentials/xato-net-10-million-passwords-1000.txt, MIT
// licence; see commonpasswords/NOTICE).
//
//go:embed commonpasswords/xato-net-10-million-passwords-1000.txt
var commonPasswordsText string

var commonPasswords = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsText))
	for sc.Scan() {
		if w := strings.ToLower(strings.TrimSpace(sc.Text())); len(w) >= 4 {
			m[w] = true
		}
	}
	return m
})

// MinStrengthScore is the lowest zxcvbn score accepted: 3 means an estimated
// 10^8 guesses or more, "safely unguessable" against an online attack and
// moderate protection if the hashes leaked (argon2id slows offline guessing
// further).
const MinStrengthScore = 3

// strengthPrefix bounds the part of a password the estimator reads: its cost
// grows quickly with length, and 64 characters that are strong make the
// rest irrelevant.
const strengthPrefix = 64

var leet = strings.NewReplacer("0", "o", "1", "i", "3", "e", "4", "a", "5", "s", "7", "t", "@", "a", "$", "s", "!", "i", "|", "l", "+", "t")

// isCommonPattern reports whether pw is a common password, or one with
// characters added at either end, letters swapped for look-alike digits or
// symbols, or repeated: the patterns that breached-password lists are full
// of ("password1234", "P@ssw0rd!", "monkeymonkey").
func isCommonPattern(pw string) bool {
	list := commonPasswords()
	lower := strings.ToLower(pw)
	notLetter := func(r rune) bool { return !(r >= 'a' && r <= 'z') }
	var candidates []string
	for _, c := range []string{lower, strings.TrimFunc(lower, notLetter), strings.TrimRightFunc(lower, notLetter), strings.TrimLeftFunc(lower, notLetter)} {
		l := leet.Replace(c)
		candidates = append(candidates, c, l, strings.TrimFunc(l, notLetter))
	}
	for _, x := range candidates {
		if list[x] {
			return true
		}
		// The same word twice or more ("monkeymonkey").
		for n := 4; n <= len(x)/2; n++ {
			if len(x)%n == 0 && strings.Repeat(x[:n], len(x)/n) == x && list[x[:n]] {
				return true
			}
		}
	}
	return false
}

// passwordStrength returns the estimator's score (0-4) for pw, given words
// that must not make it easier (the address, the name, the site's).
func passwordStrength(pw string, userInputs []string) int {
	r := []rune(pw)
	if len(r) > strengthPrefix {
		r = r[:strengthPrefix]
	}
	inputs := []string{"cybernorms", "norms", "cyber"}
	for _, in := range userInputs {
		in = strings.ToLower(strings.TrimSpace(in))
		if in == "" {
			continue
		}
		inputs = append(inputs, in)
		if local, _, ok := strings.Cut(in, "@"); ok {
			inputs = append(inputs, local)
		}
		inputs = append(inputs, strings.FieldsFunc(in, func(r rune) bool { return r == ' ' || r == '.' || r == '-' || r == '_' || r == '@' })...)
	}
	return zxcvbn.PasswordStrength(string(r), inputs).Score
}
