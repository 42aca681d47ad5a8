package account

import (
	"net/url"

	"github.com/cybernorms/cybernorms/internal/platform/id"
)

func hashSecret(s string) string { return id.Hash(s) }

func urlQuery(s string) string { return url.QueryEscape(s) }
