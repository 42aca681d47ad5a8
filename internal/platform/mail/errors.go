package mail

import (
	"errors"
	"fmt"
	"net/textproto"
	"regexp"
)

// Stage is the step of an SMTP delivery at which it failed.
type Stage string

// The stages of one SMTP delivery, in order.
const (
	// StageConnect covers dialling, the greeting, EHLO, STARTTLS and AUTH.
	StageConnect Stage = "connect"
	// StageMail is the MAIL FROM command (the envelope sender).
	StageMail Stage = "MAIL FROM"
	// StageRcpt is the RCPT TO command (the recipient).
	StageRcpt Stage = "RCPT TO"
	// StageData is the DATA command and the server's verdict on the content.
	StageData Stage = "DATA"
)

// SendError is a failed SMTP delivery.
type SendError struct {
	// Stage is where the delivery failed.
	Stage Stage
	// Code is the server's reply code, or 0 when the server did not answer
	// (a network error, a timeout, a cancelled context).
	Code int
	// EnhancedCode is the RFC 3463 status code such as "5.1.1" when the
	// server gave one.
	EnhancedCode string
	// Err is the underlying error.
	Err error
}

// Error describes the failure with the server's own words.
func (e *SendError) Error() string {
	return fmt.Sprintf("smtp %s: %v", e.Stage, e.Err)
}

// Unwrap returns the underlying error.
func (e *SendError) Unwrap() error { return e.Err }

// enhancedCodePattern finds an RFC 3463 status code at the start of a reply.
var enhancedCodePattern = regexp.MustCompile(`^[245]\.\d{1,3}\.\d{1,3}\b`)

// newSendError classifies err, which happened at stage.
func newSendError(stage Stage, err error) *SendError {
	se := &SendError{Stage: stage, Err: err}
	var reply *textproto.Error
	if errors.As(err, &reply) {
		se.Code = reply.Code
		se.EnhancedCode = enhancedCodePattern.FindString(reply.Msg)
	}
	return se
}

// IsPermanent reports whether err is a permanent refusal of the message's
// recipient: a 5xx reply to RCPT TO, or to DATA, since with one recipient per
// message that refusal is about the recipient too. A caller should mark the
// address as bounced and not try again.
//
// Everything else is not permanent in this sense: 4xx replies, network
// errors and timeouts are worth another attempt later, and a 5xx reply to
// the connection, to AUTH or to MAIL FROM is a problem with the relay or its
// configuration that concerns every recipient, not this one. An invalid
// message (errors.Is(err, ErrInvalidMessage)) will never be sent either; it
// is a mistake of the caller, not of the address.
func IsPermanent(err error) bool {
	var se *SendError
	if !errors.As(err, &se) {
		return false
	}
	return (se.Stage == StageRcpt || se.Stage == StageData) && se.Code >= 500 && se.Code <= 599
}
