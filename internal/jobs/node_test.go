package jobs_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/telegramate/telegramate/internal/jobs"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/testkit"
)

type probeArgs struct {
	Name string `json:"name"`
}

func (probeArgs) Kind() string { return "rescue_probe" }

// markRunning makes a job look like node's running one, as a node that
// died mid-job leaves it.
func markRunning(t *testing.T, s store.Store, id int64, node string) {
	t.Helper()
	q := "UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now(), attempted_by = ARRAY[$1::text] WHERE id = $2"
	if s.Dialect() == "sqlite" {
		q = "UPDATE river_job SET state = 'running', attempt = 1, attempted_at = datetime('now', 'subsec'), attempted_by = jsonb(json_array(?)) WHERE id = ?"
	}
	if _, err := s.DB().ExecContext(context.Background(), q, node, id); err != nil {
		t.Fatal(err)
	}
}

// TestDeadNodesJobsRunAgain: a job left running by a node that stopped
// beating is made available again and runs on a live node; a job of a
// node that still beats is left alone. On SQLite (one node) every other
// node's running job is taken back at once. With LISTEN on PostgreSQL the
// rescue tells River's producers, so the job runs with their poll ten
// minutes away.
func TestDeadNodesJobsRunAgain(t *testing.T) {
	for _, engine := range []string{"postgres", "postgres-listening", "sqlite"} {
		t.Run(engine, func(t *testing.T) {
			var (
				st  store.Store
				url string
			)
			poll := 100 * time.Millisecond
			switch engine {
			case "postgres":
				st = storetest.Postgres(t)
			case "postgres-listening":
				st, url = storetest.PostgresURL(t)
				poll = 10 * time.Minute
			default:
				st = storetest.SQLite(t)
			}
			ctx := context.Background()
			ins := start(t, jobs.Options{Store: st, InsertOnly: true})
			ids := map[string]int64{}
			for _, name := range []string{"dead", "alive"} {
				// A queue of its own: another job's insert must not be
				// what makes the producer look.
				res, err := ins.Insert(ctx, probeArgs{Name: name}, &river.InsertOpts{MaxAttempts: 5, Queue: "probe"})
				if err != nil {
					t.Fatal(err)
				}
				ids[name] = res.Job.ID
			}
			for _, node := range []string{"node-dead", "node-alive"} {
				if err := st.NodeStarted(ctx, node); err != nil {
					t.Fatal(err)
				}
			}
			markRunning(t, st, ids["dead"], "node-dead")
			markRunning(t, st, ids["alive"], "node-alive")

			var (
				mu  sync.Mutex
				ran = map[string]bool{}
			)
			queues := jobs.DefaultQueues()
			queues["probe"] = river.QueueConfig{MaxWorkers: 2}
			start(t, jobs.Options{Store: st, NodeID: "node-b", FetchPollInterval: poll, DatabaseURL: url, Queues: queues,
				HeartbeatEvery: 50 * time.Millisecond, DeadAfter: 500 * time.Millisecond,
				Register: func(w *river.Workers) {
					river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[probeArgs]) error {
						mu.Lock()
						ran[j.Args.Name] = true
						mu.Unlock()
						return nil
					}))
				}})
			testkit.Eventually(t, 30*time.Second, "the dead node's running job to run again", func() bool {
				// node-alive keeps beating; node-dead does not.
				if err := st.NodeSeen(ctx, "node-alive"); err != nil {
					t.Fatal(err)
				}
				mu.Lock()
				defer mu.Unlock()
				return ran["dead"]
			})
			job, err := ins.JobGet(ctx, ids["dead"])
			if err != nil {
				t.Fatal(err)
			}
			if by := job.AttemptedBy; len(by) != 2 || by[0] != "node-dead" || by[1] != "node-b" {
				t.Errorf("attempted_by %v, want the dead node then node-b", by)
			}
			mu.Lock()
			aliveRan := ran["alive"]
			mu.Unlock()
			if engine != "sqlite" && aliveRan {
				t.Error("a live node's running job was taken from it")
			}
			if engine == "sqlite" && !aliveRan {
				// Made available in the same rescue as the other one.
				testkit.Eventually(t, 30*time.Second, "the live node's job to run", func() bool { mu.Lock(); defer mu.Unlock(); return ran["alive"] })
			}
		})
	}
}
