//go:build race

package web_test

// The race detector slows every statement five to ten times: bounds on
// how long a request takes scale with it.
const raceSlowdown = 5
