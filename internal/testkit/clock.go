package testkit

import (
	"sync"
	"time"
)

// Clock is wall time plus an offset a test moves forward, for code
// lifetimes, login expiry and flood windows without sleeping. Its Now fits
// the Clock options of the sandbox and the domain services.
type Clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}
