package mail_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/mail"
)

func ExampleRender() {
	m := mail.Message{
		From:      "Secretariat <bulletin@cybernorms.example>",
		To:        "delegate@foreign-ministry.example",
		Subject:   "Réunion du groupe de travail",
		Text:      "The working group meets on Monday.",
		MessageID: "<b2025-03@cybernorms.example>",
		Headers:   map[string]string{"List-Id": "Bulletin <bulletin.cybernorms.example>"},
	}
	raw, err := mail.Render(m, time.Date(2025, 3, 4, 9, 0, 0, 0, time.UTC))
	if err != nil {
		panic(err)
	}
	fmt.Print(strings.ReplaceAll(string(raw), "\r\n", "\n"))
	// Output:
	// Date: Tue, 04 Mar 2025 09:00:00 +0000
	// From: "Secretariat" <bulletin@cybernorms.example>
	// To: <delegate@foreign-ministry.example>
	// Subject: =?utf-8?q?R=C3=A9union_du_groupe_de_travail?=
	// Message-ID: <b2025-03@cybernorms.example>
	// MIME-Version: 1.0
	// List-Id: Bulletin <bulletin.cybernorms.example>
	// Content-Type: text/plain; charset=utf-8
	// Content-Transfer-Encoding: quoted-printable
	//
	// The working group meets on Monday.
}
