package web

import "testing"

// TestLoggedPathHidesInvitationTokens: an invitation's link is a
// credential until used, and request logs are read by more people.
func TestLoggedPathHidesInvitationTokens(t *testing.T) {
	for in, want := range map[string]string{
		"/invite/abcDEF123_-":        "/invite/[token]",
		"/invite/abcDEF123_-/signup": "/invite/[token]/signup",
		"/invite/":                   "/invite/",
		"/members/invitations":       "/members/invitations",
		"/accounts/3":                "/accounts/3",
	} {
		if got := loggedPath(in); got != want {
			t.Errorf("loggedPath(%q) = %q, want %q", in, got, want)
		}
	}
}
