package lease

// Held is how many account leases this node holds now (for metrics).
func (m *Manager) Held() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.holds)
}
