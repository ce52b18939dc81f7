package inbox

// Listeners is how many accounts this node's inbox listens to now, each
// on a held connection (for metrics).
func (s *Service) Listeners() int {
	n := 0
	s.listening.Range(func(any, any) bool { n++; return true })
	return n
}
