package web

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/medialink"
	"github.com/telegramate/telegramate/internal/web/api"
	"github.com/telegramate/telegramate/internal/web/auth"
)

// statusWriter remembers the status and size of a response for the log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach Flush for SSE streams.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// requestLog writes one line per request and records the HTTP metrics.
// It logs the path but never the query string, headers or form values:
// they can hold tokens, codes and passwords. It is also the one place that
// works out the client's address (see clientIP), for the log line, login
// throttling and the activity log alike.
func requestLog(logger *slog.Logger, m *metrics, trusted []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &auth.RequestInfo{ClientIP: clientIP(r, trusted), UserAgent: shortUserAgent(r.UserAgent())}
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(auth.WithRequestInfo(r.Context(), info)))
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		elapsed := time.Since(start)
		route := info.Route
		if route == "" {
			route = "unmatched"
		}
		m.observe(route, sw.status, elapsed)

		level := slog.LevelInfo
		switch {
		case route == "GET /healthz" && info.Err == nil:
			// A 503 here is the node saying it drains, which it logged once
			// when it began: it is the answer asked for, not a failure.
			level = slog.LevelDebug
		case info.Err != nil || sw.status >= 500:
			level = slog.LevelError
		case strings.HasPrefix(r.URL.Path, "/static/") || route == "GET /metrics":
			level = slog.LevelDebug
		}
		if !logger.Enabled(r.Context(), level) {
			return
		}
		attrs := []slog.Attr{
			slog.String("method", r.Method),
			slog.String("path", loggedPath(r.URL.Path)),
			slog.String("route", route),
			slog.Int("status", sw.status),
			slog.Int("bytes", sw.bytes),
			slog.Duration("duration", elapsed),
			slog.String("remote", info.ClientIP),
		}
		if info.UserID != 0 {
			attrs = append(attrs, slog.Int64("user", info.UserID))
		}
		if info.Err != nil {
			attrs = append(attrs, slog.Any("err", info.Err)) // the error itself, so the outage tracker can tell what it is
		}
		logger.LogAttrs(r.Context(), level, "http request", attrs...)
	})
}

// capturePattern sits right around the ServeMux, which records the
// matched pattern on the request it is given; the request log reads it
// from RequestInfo, since middleware in between may pass on copies.
func capturePattern(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if info := auth.RequestInfoFrom(r.Context()); info != nil {
			info.Route = r.Pattern
		}
	})
}

// securityHeaders sets the headers every answer carries; https (the base
// URL is https) adds HSTS, so browsers never fall back to plain HTTP.
func securityHeaders(https bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if https {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		// Pages load only our own scripts (no inline ones); Bootstrap and
		// swagger-ui set inline styles.
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "+
			"img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
		next.ServeHTTP(w, r)
	})
}

var errCrossOrigin = &apperr.Error{
	Code:    "cross_origin_refused",
	Message: "Cross-origin request refused",
	Hint:    "This form or request came from another site. Reload the page on this site and try again.",
	Status:  http.StatusForbidden,
}

func crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, api.Prefix+"/") {
		api.WriteError(w, r, errCrossOrigin)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusForbidden)
	fmt.Fprintln(w, errCrossOrigin.Message+". "+errCrossOrigin.Hint)
}

func recoverPanics(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v) // the server's way to abort a response quietly
			}
			logger.Error("panic serving request", slog.String("path", r.URL.Path),
				slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
			http.Error(w, "Something went wrong on our side.", http.StatusInternalServerError)
		}()
		next.ServeHTTP(w, r)
	})
}

// shortUserAgent keeps enough of a User-Agent to tell browsers apart on the
// sessions page, and only valid UTF-8.
func shortUserAgent(ua string) string {
	ua = strings.ToValidUTF8(ua, "")
	if r := []rune(ua); len(r) > 200 {
		ua = string(r[:200])
	}
	return ua
}

// warnTLSWithoutBaseURL logs once when a request came through a TLS proxy
// (X-Forwarded-Proto: https) while the base URL is not https: the session
// cookie then lacks Secure and HSTS is off, which --base-url fixes.
func warnTLSWithoutBaseURL(logger *slog.Logger, next http.Handler) http.Handler {
	var once sync.Once
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
			once.Do(func() {
				logger.Warn("requests arrive through HTTPS but --base-url is not https: session cookies lack Secure and HSTS is off; set --base-url https://…")
			})
		}
		next.ServeHTTP(w, r)
	})
}

// loggedPath is the path as the request log keeps it: an invitation's
// link is a credential until used, and a webhook's media link until it
// expires, so their tokens are left out.
func loggedPath(p string) string {
	if rest, ok := strings.CutPrefix(p, medialink.Path); ok && rest != "" {
		return medialink.Path + "[token]"
	}
	if rest, ok := strings.CutPrefix(p, "/invite/"); ok && rest != "" {
		_, tail, _ := strings.Cut(rest, "/")
		if tail != "" {
			tail = "/" + tail
		}
		return "/invite/[token]" + tail
	}
	return p
}
