//go:build race

package web_test

// The race detector slows every statement five to ten times, and CI runs
// two packages at once on two cores: bounds on how long a request takes
// scale with the top of that range (a write took 6.0 s against a bound of
// 5 in CI). The starvation these bounds guard against failed writes with
// a 500 after ten seconds and held the lock for a minute.
const raceSlowdown = 10
