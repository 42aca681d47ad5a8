// Package mail builds and sends outgoing email with no knowledge of the
// application that uses it.
//
// A [Message] is rendered by [Render] into an RFC 5322 / MIME message:
// multipart/alternative with quoted-printable UTF-8 text and HTML parts,
// RFC 2047 encoded words where headers are not ASCII, and a boundary derived
// from the Message-ID so that the same inputs always give the same bytes.
//
// A [Template] renders one message once for many recipients (a mailing
// list): each copy adds its own headers and a per-recipient value (an
// unsubscribe link) to bodies encoded once, and decodes exactly as the
// message rendered whole would.
//
// Two [Sender] implementations deliver rendered messages, and take
// [Rendered] copies of a template as [RenderedSender]s:
//
//   - [Outbox] writes each message atomically as an .eml file in a folder,
//     for development, demonstrations and tests; [List] and [Read] let an
//     application show that folder to a person.
//   - [SMTPPool] delivers through an SMTP relay over a bounded pool of
//     long-lived connections, optionally signing each message with DKIM, with
//     its commands pipelined (RFC 2920) when the relay offers it.
//
// Errors from an SMTP server are classified by [IsPermanent]: a permanent
// rejection of the recipient means the address should be marked as bounced,
// anything else is worth another attempt later.
package mail
