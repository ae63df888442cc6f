// Package metrics exposes Latchkey's Prometheus metrics: requests and latency by operation and
// result code, mail by kind and outcome, rate-limit hits and the password-hashing queue.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the collectors, registered on a registry of their own.
type Metrics struct {
	registry    *prometheus.Registry
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	mail        *prometheus.CounterVec
	rateLimited *prometheus.CounterVec
}

// New returns the metrics; hashQueue reports how many requests wait for a hashing slot.
func New(hashQueue func() int) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "latchkey_graphql_requests_total",
			Help: "GraphQL operations answered, by root field and result code (OK or the contract's error code).",
		}, []string{"operation", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "latchkey_graphql_request_duration_seconds",
			Help:    "Time to answer a GraphQL operation, by root field.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"operation"}),
		mail: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "latchkey_mail_total",
			Help: "Mail by kind and event. password_reset and sign_up: queued (a forgotPassword or signUp request) and processed (the request settled: a mail accepted for sending or nothing to send), never split by whether the account exists, so no delivery outcome is counted for them. email_verification (asked for while signed in) counts its deliveries like password_changed. password_changed: queued (a change; changes inside 10 minutes fold into one mail), sent, failed (a try failed), retried (a later try is scheduled), given_up (retried too long), refused (the mail server refused the recipient for good). email_change and email_change_notice (the mails of an address change to the new and the current address): queued and processed only, as for password_reset. email_changed (to the old address once moved): as password_changed.",
		}, []string{"kind", "event"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "latchkey_rate_limited_total",
			Help: "Requests answered RATE_LIMITED, by limit.",
		}, []string{"limit"}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.mail, m.rateLimited,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "latchkey_password_hash_queue_depth",
			Help: "Requests waiting for an argon2id hashing slot.",
		}, func() float64 { return float64(hashQueue()) }),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// ObserveOperation counts one GraphQL operation.
func (m *Metrics) ObserveOperation(operation, code string, took time.Duration) {
	m.requests.WithLabelValues(operation, code).Inc()
	m.latency.WithLabelValues(operation).Observe(took.Seconds())
}

// MailEvent counts a step in the life of a mail.
func (m *Metrics) MailEvent(kind, event string) { m.mail.WithLabelValues(kind, event).Inc() }

// RateLimited counts a request refused by a limit.
func (m *Metrics) RateLimited(limit string) { m.rateLimited.WithLabelValues(limit).Inc() }
