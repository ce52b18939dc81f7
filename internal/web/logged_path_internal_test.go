package web

import "testing"

// TestLoggedPathHidesInvitationTokens: an invitation's link is a
// credential until used, a webhook's media link until it expires, and
// request logs are read by more people.
func TestLoggedPathHidesInvitationTokens(t *testing.T) {
	for in, want := range map[string]string{
		"/invite/abcDEF123_-":        "/invite/[token]",
		"/invite/abcDEF123_-/signup": "/invite/[token]/signup",
		"/invite/":                   "/invite/",
		"/members/invitations":       "/members/invitations",
		"/accounts/3":                "/accounts/3",
		"/media/links/AQFhAm1sq8_-x": "/media/links/[token]",
		"/media/links/":              "/media/links/",
		"/media/12":                  "/media/12",
	} {
		if got := loggedPath(in); got != want {
			t.Errorf("loggedPath(%q) = %q, want %q", in, got, want)
		}
	}
}
