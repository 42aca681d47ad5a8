package capacity

// registerJobs installs the module's periodic jobs.
func (s *Service) registerJobs() {}
