package jobs

import (
	"context"
	"log/slog"
	"time"
)

// Several nodes share River's jobs on PostgreSQL. When a node dies (by
// SIGKILL, power loss), the jobs it was running stay "running" in
// River's table: River (OSS) knows nothing of its clients' liveness, and
// its RescueStuckJobsAfter would also take a healthy node's long runs (a
// sending job holds its account for minutes), so it is kept long. Instead
// each node beats a heartbeat into the nodes table, and each node's
// rescuer makes the running jobs of a node unseen for DeadAfter available
// again. Both steps are idempotent, so every node may run them. The jobs'
// accounts are protected by their leases meanwhile: a rescued job that
// reaches an account its dead node still holds waits for the lease to
// expire (lease.ErrBusy), which the database's clock decides. The dead
// node's leases are not deleted: an expired lease is free to take
// already, and its row keeps the account's fencing token, which must only
// grow.

// Defaults of the node's heartbeat and rescuer: a dead node's jobs are
// running again elsewhere within DeadAfter + HeartbeatEvery + River's
// fetch poll, and its accounts' leases (15 s) have expired by then or
// soon after.
const (
	DefaultHeartbeatEvery = 3 * time.Second
	DefaultDeadAfter      = 10 * time.Second
	// forgetNodesAfter is how long a dead node's row stays listed.
	forgetNodesAfter = 24 * time.Hour
)

// startNode records the node and takes back what a previous process
// under the same id left, before the River client starts: nothing of
// this process runs yet, so the running jobs and held leases under its
// id are the previous process's.
func (c *Client) startNode(ctx context.Context) error {
	st := c.store
	if err := st.NodeStarted(ctx, c.nodeID); err != nil {
		return err
	}
	own, err := st.RescueOwnJobs(ctx, c.nodeID)
	if err != nil {
		return err
	}
	if _, err := st.ReleaseLeasesOf(ctx, c.nodeID); err != nil {
		return err
	}
	if st.Dialect() == "sqlite" {
		// One node: whoever held an account before this process is gone.
		if _, err := st.ReleaseLeasesExcept(ctx, c.nodeID); err != nil {
			return err
		}
	}
	if len(own) > 0 {
		c.log.Warn("jobs of a previous process with this node id made available again", slog.String("node", c.nodeID),
			slog.Int("jobs", len(own)))
	}
	c.nodeDone = make(chan struct{})
	nodeCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	c.stopNode = stop
	go c.nodeLoop(nodeCtx)
	return nil
}

// nodeLoop beats the heartbeat and rescues dead nodes' jobs, first at
// once, then every HeartbeatEvery.
func (c *Client) nodeLoop(ctx context.Context) {
	defer close(c.nodeDone)
	t := time.NewTicker(c.heartbeatEvery)
	defer t.Stop()
	beats := 0
	failing := false
	for {
		err := c.beat(ctx, beats)
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			failing = true
			c.log.Warn("node heartbeat failed; other nodes take this node's jobs if it goes on", slog.String("node", c.nodeID),
				slog.Any("err", err))
		case err == nil && failing:
			failing = false
			c.log.Info("node heartbeat back", slog.String("node", c.nodeID))
		}
		beats++
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// beat is one heartbeat and one rescue.
func (c *Client) beat(ctx context.Context, n int) error {
	ctx, cancel := context.WithTimeout(ctx, c.heartbeatEvery)
	defer cancel()
	st := c.store
	if err := st.NodeSeen(ctx, c.nodeID); err != nil {
		return err
	}
	deadAfter := c.deadAfter
	if st.Dialect() == "sqlite" {
		deadAfter = 0 // one node: every other one is a previous process
	}
	ids, err := st.RescueJobs(ctx, c.nodeID, deadAfter)
	if err != nil {
		return err
	}
	if len(ids) > 0 {
		c.log.Warn("running jobs of a dead node made available again", slog.Any("jobs", ids))
	}
	if n%1000 == 0 {
		if _, err := st.ForgetNodes(ctx, forgetNodesAfter); err != nil {
			return err
		}
	}
	return nil
}

// NodeID is the node's id: River's client id, so a job's attempted_by
// names the node that ran it.
func (c *Client) NodeID() string { return c.nodeID }

// Start records the node, starts its heartbeat and rescuer, and starts
// River.
func (c *Client) Start(ctx context.Context) error {
	if !c.insertOnly && c.stopNode == nil {
		if err := c.startNode(ctx); err != nil {
			return err
		}
	}
	return c.Client.Start(ctx)
}

func (c *Client) stopNodeLoop() {
	if c.stopNode != nil {
		c.stopNode()
		<-c.nodeDone
	}
}
