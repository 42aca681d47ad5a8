// Package mail builds and sends outgoing email with no knowledge of the
// application that uses it.
//
// A [Message] is rendered by [Render] into an RFC 5322 / MIME message:
// multipart/alternative with quoted-printable UTF-8 text and HTML parts,
// RFC 2047 encoded words where headers are not ASCII, and a boundary derived
// from the Message-ID so that the same inputs always give the same bytes.
//
// Two [Sender] implementations deliver rendered messages:
//
//   - [Outbox] writes each message atomically as an .eml file in a folder,
//     for development, demonstrations and tests; [List] and [Read] let an
//     application show that folder to a person.
//   - [SMTPPool] delivers through an SMTP relay over a bounded pool of
//     long-lived connections, optionally signing each message with DKIM.
//
// Errors from an SMTP server are classified by [IsPermanent]: a permanent
// rejection of the recipient means the address should be marked as bounced,
// anything else is worth another attempt later.
package mail
