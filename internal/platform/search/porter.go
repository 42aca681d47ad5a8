package search

// The Porter stemmer as SQLite's FTS5 "porter" tokenizer applies it, so that
// ranking in Go (rank.go) counts the same words the index matched:
// "vulnerabilities" and "vulnerability" both become "vulner". It works on
// the bytes of an already folded (lower-case, diacritics removed) token and
// leaves tokens shorter than 3 or longer than 64 bytes alone, as FTS5 does.
// TestStemMatchesFTS5 compares it with FTS5 itself.

const porterMaxToken = 64

// stem returns the Porter stem of a folded token, reusing buf.
func stem(tok []byte, buf []byte) []byte {
	if len(tok) < 3 || len(tok) > porterMaxToken {
		return append(buf[:0], tok...)
	}
	w := append(buf[:0], tok...)
	w = step1a(w)
	if len(w) >= 2 {
		var ok bool
		if w, ok = step1b(w); ok && len(w) >= 2 {
			if w2, done := applyFirst(w, step1b2Rules); done {
				w = w2
			} else if c := w[len(w)-1]; !isVowel(c, false) && c != 'l' && c != 's' && c != 'z' && c == w[len(w)-2] {
				w = w[:len(w)-1]
			} else if mEq1(w) && ostar(w) {
				w = append(w, 'e')
			}
		}
	}
	if n := len(w); n >= 2 && w[n-1] == 'y' && hasVowel(w[:n-1]) {
		w[n-1] = 'i'
	}
	if len(w) >= 2 {
		w, _ = applyFirst(w, step2Rules)
		w, _ = applyFirst(w, step3Rules)
		w, _ = applyFirst(w, step4Rules)
	}
	if n := len(w); n >= 1 && w[n-1] == 'e' && (mGt1(w[:n-1]) || mEq1(w[:n-1]) && !ostar(w[:n-1])) {
		w = w[:n-1]
	}
	if n := len(w); n > 1 && w[n-1] == 'l' && w[n-2] == 'l' && mGt1(w[:n-1]) {
		w = w[:n-1]
	}
	return w
}

// porterRule replaces suffix with out when the stem before it meets cond.
type porterRule struct {
	suffix, out string
	cond        func([]byte) bool
}

// applyFirst applies the first rule whose suffix ends w (and is shorter than
// w); a rule whose condition fails stops the step, as in FTS5. It reports
// whether a rule was applied.
func applyFirst(w []byte, rules []porterRule) ([]byte, bool) {
	for _, r := range rules {
		n := len(r.suffix)
		if len(w) <= n || string(w[len(w)-n:]) != r.suffix {
			continue
		}
		stem := w[:len(w)-n]
		if r.cond != nil && !r.cond(stem) {
			return w, false
		}
		return append(stem, r.out...), true
	}
	return w, false
}

func step1a(w []byte) []byte {
	n := len(w)
	if w[n-1] != 's' {
		return w
	}
	switch {
	case w[n-2] == 'e':
		if n > 4 && w[n-4] == 's' && w[n-3] == 's' || n > 3 && w[n-3] == 'i' {
			return w[:n-2]
		}
		return w[:n-1]
	case w[n-2] != 's':
		return w[:n-1]
	}
	return w
}

// step1b strips -eed, -ed and -ing; it reports true when -ed or -ing went,
// which calls for the clean-up of step 1b2.
func step1b(w []byte) ([]byte, bool) {
	n := len(w)
	switch {
	case n > 3 && string(w[n-3:]) == "eed":
		if mGt0(w[:n-3]) {
			return w[:n-1], false
		}
	case n > 2 && string(w[n-2:]) == "ed":
		if hasVowel(w[:n-2]) {
			return w[:n-2], true
		}
	case n > 3 && string(w[n-3:]) == "ing":
		if hasVowel(w[:n-3]) {
			return w[:n-3], true
		}
	}
	return w, false
}

var step1b2Rules = []porterRule{{"at", "ate", nil}, {"bl", "ble", nil}, {"iz", "ize", nil}}

var step2Rules = []porterRule{
	{"ational", "ate", mGt0}, {"tional", "tion", mGt0},
	{"enci", "ence", mGt0}, {"anci", "ance", mGt0},
	{"izer", "ize", mGt0},
	{"logi", "log", mGt0},
	{"bli", "ble", mGt0}, {"alli", "al", mGt0}, {"entli", "ent", mGt0}, {"eli", "e", mGt0}, {"ousli", "ous", mGt0},
	{"ization", "ize", mGt0}, {"ation", "ate", mGt0}, {"ator", "ate", mGt0},
	{"alism", "al", mGt0}, {"iveness", "ive", mGt0}, {"fulness", "ful", mGt0}, {"ousness", "ous", mGt0},
	{"aliti", "al", mGt0}, {"iviti", "ive", mGt0}, {"biliti", "ble", mGt0},
}

var step3Rules = []porterRule{
	{"ical", "ic", mGt0},
	{"ness", "", mGt0},
	{"icate", "ic", mGt0}, {"iciti", "ic", mGt0},
	{"ful", "", mGt0},
	{"ative", "", mGt0},
	{"alize", "al", mGt0},
}

var step4Rules = []porterRule{
	{"al", "", mGt1},
	{"ance", "", mGt1}, {"ence", "", mGt1},
	{"er", "", mGt1},
	{"ic", "", mGt1},
	{"able", "", mGt1}, {"ible", "", mGt1},
	{"ant", "", mGt1}, {"ement", "", mGt1}, {"ment", "", mGt1}, {"ent", "", mGt1},
	{"ion", "", func(s []byte) bool { return len(s) > 0 && (s[len(s)-1] == 's' || s[len(s)-1] == 't') && mGt1(s) }}, {"ou", "", mGt1},
	{"ism", "", mGt1},
	{"ate", "", mGt1}, {"iti", "", mGt1},
	{"ous", "", mGt1},
	{"ive", "", mGt1},
	{"ize", "", mGt1},
}

// isVowel: a, e, i, o, u, and y after a consonant.
func isVowel(c byte, yIsVowel bool) bool {
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || yIsVowel && c == 'y'
}

// gobbleVC returns the length of the shortest prefix of s holding a vowel
// followed by a consonant, or 0 when there is none.
func gobbleVC(s []byte, prevCons bool) int {
	cons := prevCons
	i := 0
	for ; i < len(s); i++ {
		if cons = !isVowel(s[i], cons); !cons {
			break
		}
	}
	for i++; i < len(s); i++ {
		if cons = !isVowel(s[i], cons); cons {
			return i + 1
		}
	}
	return 0
}

// mGt0, mGt1 and mEq1 test Porter's measure m (the number of VC sequences).
func mGt0(s []byte) bool { return gobbleVC(s, false) != 0 }

func mGt1(s []byte) bool {
	n := gobbleVC(s, false)
	return n != 0 && gobbleVC(s[n:], true) != 0
}

func mEq1(s []byte) bool {
	n := gobbleVC(s, false)
	return n != 0 && gobbleVC(s[n:], true) == 0
}

// ostar: s ends consonant-vowel-consonant, the last not w, x or y.
func ostar(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	if c := s[len(s)-1]; c == 'w' || c == 'x' || c == 'y' {
		return false
	}
	mask, cons := 0, false
	for _, c := range s {
		cons = !isVowel(c, cons)
		mask <<= 1
		if cons {
			mask |= 1
		}
	}
	return mask&7 == 5
}

// hasVowel: s holds a vowel (y counts after the first letter).
func hasVowel(s []byte) bool {
	for i, c := range s {
		if isVowel(c, i > 0) {
			return true
		}
	}
	return false
}
