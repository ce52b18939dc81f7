package inbox

// SetAfterLastLook sets a hook run when an answering run has found no
// answer left, while its job still counts as running.
func SetAfterLastLook(s *Service, f func()) { s.afterLastLook = f }
