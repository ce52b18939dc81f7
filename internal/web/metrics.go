package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/telegramate/telegramate/internal/secrets"
)

// metrics has its own registry rather than the global one, so tests can
// build several servers in one process.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(extra []prometheus.Collector) (*metrics, error) {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		// route is the ServeMux pattern ("GET /tokens/{id}/revoke"), never
		// the raw path, so ids do not multiply the series.
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "telegramate_http_requests_total",
			Help: "HTTP requests handled, by route pattern and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "telegramate_http_request_duration_seconds",
			Help:    "Time to handle HTTP requests, by route pattern.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
	}
	all := append([]prometheus.Collector{
		m.requests, m.duration,
		// Besides the usual series, the heap that the last collection
		// found live (go_gc_heap_live_bytes): what the node holds,
		// without the garbage go_memstats_heap_alloc_bytes counts until
		// the next collection.
		collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(
			collectors.GoRuntimeMetricsRule{Matcher: regexp.MustCompile(`^/gc/heap/live:bytes$`)})),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	}, extra...)
	for _, c := range all {
		if err := m.reg.Register(c); err != nil {
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	return m, nil
}

func (m *metrics) observe(route string, code int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// requireMetricsToken lets through only scrapers that send the token; the
// comparison takes the same time whatever the guess.
func requireMetricsToken(token secrets.Secret, next http.Handler) http.Handler {
	want := sha256.Sum256([]byte("Bearer " + token.Reveal()))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := sha256.Sum256([]byte(r.Header.Get("Authorization")))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "Metrics need 'Authorization: Bearer <token>' with the --metrics-token of this instance.", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}
