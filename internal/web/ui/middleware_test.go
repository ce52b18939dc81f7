package ui

import "testing"

func TestSafeNextKeepsRedirectsOnThisSite(t *testing.T) {
	for in, want := range map[string]string{
		"":                      "/",
		"/tokens":               "/tokens",
		"/tokens?x=1#y":         "/tokens?x=1#y",
		"//evil.example/x":      "/",
		`/\evil.example`:        "/",
		"https://evil.example/": "/",
		"javascript:alert(1)":   "/",
		"tokens":                "/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
