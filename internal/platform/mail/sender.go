package mail

import "context"

// Sender delivers messages. Send renders m itself, so a Sender never sees a
// message that Validate refuses: those errors wrap ErrInvalidMessage.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

var (
	_ Sender = Outbox{}
	_ Sender = (*SMTPPool)(nil)
)
