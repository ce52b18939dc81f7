package config

import (
	"strings"
	"testing"
	"time"
)

// TestNodeSettings: --node-id, --lease-ttl and --node-dead-after come from
// flags or variables; a bad value names its flag and what to give.
func TestNodeSettings(t *testing.T) {
	c, err := load(t, []string{"--lease-ttl", "3s"}, map[string]string{"TELEGRAMATE_NODE_ID": "web-1.eu", "TELEGRAMATE_NODE_DEAD_AFTER": "4s"})
	if err != nil {
		t.Fatal(err)
	}
	if c.NodeID != "web-1.eu" || c.LeaseTTL != 3*time.Second || c.NodeDeadAfter != 4*time.Second {
		t.Fatalf("node settings: %q %s %s", c.NodeID, c.LeaseTTL, c.NodeDeadAfter)
	}
	if c, _ := load(t, nil, nil); c.NodeID != "" || c.LeaseTTL != 15*time.Second || c.NodeDeadAfter != 10*time.Second {
		t.Fatalf("defaults: %q %s %s", c.NodeID, c.LeaseTTL, c.NodeDeadAfter)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--node-id", "two words"}, "--node-id"},
		{[]string{"--node-id", "-dash-first"}, "--node-id"},
		{[]string{"--node-id", strings.Repeat("n", 64)}, "--node-id"},
		{[]string{"--lease-ttl", "100ms"}, "--lease-ttl"},
		{[]string{"--node-dead-after", "0s"}, "--node-dead-after"},
	} {
		if _, err := load(t, tc.args, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error naming %s", tc.args, err, tc.want)
		}
	}
}

func TestDrainDelay(t *testing.T) {
	if c, err := load(t, []string{"--drain-delay", "5s"}, nil); err != nil || c.DrainDelay != 5*time.Second {
		t.Fatalf("--drain-delay 5s: %v %v", c.DrainDelay, err)
	}
	if _, err := load(t, []string{"--drain-delay", "-1s"}, nil); err == nil || !strings.Contains(err.Error(), "--drain-delay") {
		t.Fatalf("--drain-delay -1s: %v", err)
	}
}
