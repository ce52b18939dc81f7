package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/web/api"
)

// APIClient calls the app's JSON API (/api/v1) with a bearer token, so an
// end-to-end test reads as the requests an API user would make.
type APIClient struct {
	T     testing.TB
	Base  string // the app's URL, without /api/v1
	Token string
}

// Response is an answer of the API or of a page, read whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Call sends body as JSON (when not nil) and fails the test only when the
// request cannot be made; the status is the caller's to check.
func (c APIClient) Call(method, path string, body any) Response {
	c.T.Helper()
	var rd io.Reader
	contentType := ""
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.T.Fatal(err)
		}
		rd, contentType = bytes.NewReader(b), "application/json"
	}
	return c.send(method, path, contentType, rd)
}

// Upload posts a file as POST /media's multipart form (field "file").
func (c APIClient) Upload(name string, data []byte) Response {
	c.T.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, err := w.CreateFormFile("file", name)
	if err != nil {
		c.T.Fatal(err)
	}
	if _, err := part.Write(data); err != nil {
		c.T.Fatal(err)
	}
	if err := w.Close(); err != nil {
		c.T.Fatal(err)
	}
	return c.send("POST", "/media", w.FormDataContentType(), &body)
}

func (c APIClient) send(method, path, contentType string, rd io.Reader) Response {
	c.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.Base+"/api/v1"+path, rd)
	if err != nil {
		c.T.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// Into decodes a successful answer, failing on another status.
func (r Response) Into(t testing.TB, status int, v any) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if v != nil {
		// Decode into a zero value: fields absent from this answer must
		// not keep an earlier one's.
		reflect.ValueOf(v).Elem().SetZero()
		if err := json.Unmarshal(r.Body, v); err != nil {
			t.Fatalf("decode %s: %v", r.Body, err)
		}
	}
}

// APIError checks an error answer's status and code and returns its body.
func (r Response) APIError(t testing.TB, status int, code string) api.ErrorBody {
	t.Helper()
	var e api.ErrorResponse
	if err := json.Unmarshal(r.Body, &e); err != nil || r.Status != status || e.Err.Code != code {
		t.Fatalf("got %d %s, want %d %s", r.Status, r.Body, status, code)
	}
	return e.Err
}
