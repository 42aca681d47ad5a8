package app

import (
	"context"
	"time"

	"github.com/cybernorms/cybernorms/internal/capacity"
	"github.com/cybernorms/cybernorms/internal/participation"
	"github.com/cybernorms/cybernorms/internal/reporting"
)

// reportGaps lets the capacity module read a report's capacity gap through
// the reporting module's own access rules (Open: the draft to its State,
// else the newest version the reader may see).
type reportGaps struct{ svc *reporting.Service }

func (g reportGaps) ReportGap(ctx context.Context, reportID, normID string) (capacity.Gap, error) {
	v, err := g.svc.Open(ctx, reportID, -1)
	if err != nil {
		return capacity.Gap{}, err
	}
	for _, n := range v.Content.Notes {
		if n.NormID == normID {
			return capacity.Gap{ReportID: v.Report.ID, State: v.Report.StateISO3, Cycle: v.Report.CycleName, NormID: n.NormID, Text: n.CapacityGaps, Published: v.Version > 0}, nil
		}
	}
	return capacity.Gap{}, capacity.ErrNotFound
}

// sessionCalendar shows the participation module's sessions and their
// application deadlines on the capacity module's calendar.
type sessionCalendar struct{ svc *participation.Service }

func (c sessionCalendar) CalendarSessions(ctx context.Context, from time.Time) ([]capacity.CalendarItem, error) {
	list, err := c.svc.UpcomingSessions(ctx, from)
	if err != nil {
		return nil, err
	}
	out := make([]capacity.CalendarItem, 0, 2*len(list))
	for _, x := range list {
		url := "/participation/sessions/" + x.Slug
		out = append(out, capacity.CalendarItem{Kind: "session", Title: x.BodyName + ": " + x.Title, URL: url, Starts: x.StartsAt, Ends: x.EndsAt, AllDay: true, Place: x.Place, Organiser: x.BodyName})
		if !x.ApplyBy.Before(from) {
			out = append(out, capacity.CalendarItem{Kind: "deadline", Title: x.Title, URL: url, Starts: x.ApplyBy, Ends: x.ApplyBy, AllDay: true, Organiser: x.BodyName})
		}
	}
	return out, nil
}
