package campaign

// SetIdleHook makes a sending run call fn as it ends with nothing to send.
func SetIdleHook(s *Service, fn func(accountID int64)) { s.idle = fn }
