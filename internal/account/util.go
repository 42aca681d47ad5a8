package account

import (
	"net/url"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/id"
)

func hashSecret(s string) string { return id.Hash(s) }

func urlQuery(s string) string { return url.QueryEscape(s) }

// passwordKey is the message for a refused password: too short or long,
// common, or too easy to guess (the last also when only the holder's own
// words, which the store checks, made it so).
func passwordKey(pw string, userInputs ...string) string {
	switch auth.PasswordProblem(pw, userInputs...) {
	case auth.PasswordCommon:
		return "account.password_common"
	case auth.PasswordShort, auth.PasswordLong:
		return "account.password_policy"
	}
	return "account.password_weak"
}
