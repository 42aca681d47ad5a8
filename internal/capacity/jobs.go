package capacity

import (
	"context"
	"encoding/json"
	"time"
)

// JobReminders is the periodic job that reminds the parties of overdue
// milestones and the registrants of events the next day.
const JobReminders = "capacity.reminders"

// registerJobs installs the module's periodic jobs.
func (s *Service) registerJobs() {
	s.P.Jobs.Register(JobReminders, func(ctx context.Context, _ json.RawMessage) error {
		if _, err := s.RemindOverdue(ctx, s.now()); err != nil {
			return err
		}
		_, err := s.RemindEvents(ctx, s.now())
		return err
	})
	s.P.Jobs.Every(JobReminders, time.Hour)
}
