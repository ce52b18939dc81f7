package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestDemoSummarySaysWhatIsConnected: a restarted demo with accounts
// connected says so, instead of asking to connect a first one.
func TestDemoSummarySaysWhatIsConnected(t *testing.T) {
	accounts := []demoAccount{
		{Phone: "+9996621001", Name: "Ann"}, {Phone: "+9996621002", Name: "Bob"},
		{Phone: "+9996621003", Name: "Cleo"}, {Phone: "+9996621004", Name: "Dan"},
	}
	for _, c := range []struct {
		connected []string
		want      string
	}{
		{nil, "Connect a sandbox Telegram account"},
		{[]string{"9996621001", "9996621002", "9996621003"}, "3 of the 4 sandbox accounts are connected"},
		{[]string{"9996621001", "9996621002", "9996621003", "9996621004"}, "All 4 sandbox accounts are connected"},
	} {
		set := map[string]bool{}
		for _, p := range c.connected {
			set[p] = true
		}
		var out bytes.Buffer
		printDemo(&env{stdout: &out}, "http://127.0.0.1:1", "demo@example.com", "pw", accounts, set, 0)
		got := out.String()
		if !strings.Contains(got, c.want) {
			t.Errorf("%d connected: summary lacks %q:\n%s", len(c.connected), c.want, got)
		}
		if len(c.connected) > 0 && strings.Contains(got, "Connect a sandbox Telegram account") {
			t.Errorf("%d connected: still asks to connect a first account:\n%s", len(c.connected), got)
		}
		if n := strings.Count(got, "(connected)"); n != len(c.connected) {
			t.Errorf("%d connected: %d rows marked connected:\n%s", len(c.connected), n, got)
		}
	}
}
