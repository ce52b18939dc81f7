package sandbox

import "testing"

// TestDemoWorldShowsProgressAndTheCap: the demo world has a group big
// enough that its extraction takes a while and stops at Telegram's
// participant cap, so a newcomer sees the progress bar move and the cap
// notice, and one API credential set per phone.
func TestDemoWorldShowsProgressAndTheCap(t *testing.T) {
	w := DemoWorld()
	biggest := 0
	for _, c := range w.Chats {
		if c.GenerateMembers != nil {
			biggest = max(biggest, c.GenerateMembers.Count)
		}
	}
	if biggest < 2*w.Limits.ParticipantsCap {
		t.Errorf("largest demo group has %d members, want well past the cap of %d", biggest, w.Limits.ParticipantsCap)
	}
	phones := 0
	for _, u := range w.Users {
		if u.Phone != "" && !u.Bot && !u.Deleted {
			phones++
		}
	}
	if len(w.Apps) < phones {
		t.Errorf("%d API credential sets for %d phones; each phone needs its own", len(w.Apps), phones)
	}
}
