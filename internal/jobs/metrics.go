package jobs

import (
	"context"
	"database/sql"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river/rivertype"
)

// Collector reports telegramate_jobs{state}: how many jobs River holds in
// each state, read from the database at scrape time (so every node reports
// the whole cluster's queue).
func (c *Client) Collector() prometheus.Collector { return &collector{db: c.store.DB()} }

var jobsDesc = prometheus.NewDesc("telegramate_jobs", "Background jobs by state.", []string{"state"}, nil)

type collector struct{ db *sql.DB }

func (*collector) Describe(ch chan<- *prometheus.Desc) { ch <- jobsDesc }

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	counts, err := CountByState(context.Background(), c.db)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(jobsDesc, err)
		return
	}
	for _, state := range rivertype.JobStates() {
		ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(counts[state]), string(state))
	}
}

// CountByState counts River's jobs per state; states without jobs are
// absent from the map.
func CountByState(ctx context.Context, db *sql.DB) (map[rivertype.JobState]int64, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	rows, err := db.QueryContext(ctx, "SELECT state, COUNT(*) FROM river_job GROUP BY state")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	counts := map[rivertype.JobState]int64{}
	for rows.Next() {
		var state string
		var n int64
		if err := rows.Scan(&state, &n); err != nil {
			return nil, err
		}
		counts[rivertype.JobState(state)] = n
	}
	return counts, rows.Err()
}
