package accountstest

import "testing"

// TestLeaksOfACode: a login code is found wherever it could have been
// written (a form, JSON, a log line, beside another column's text in a
// SQLite record), and not inside a longer number or a hex digest or id,
// where it occurs by chance.
func TestLeaksOfACode(t *testing.T) {
	code := []Secret{{Name: "login code", Value: []byte("77777"), Token: true}}
	for _, leak := range []string{
		`code=77777&next=1`,
		`{"code":"77777"}`,
		"level=DEBUG msg=sign-in code=77777",
		"\x05\x17Gus77777\x00", // a record's columns touch
		"77777",
		"cafe77777", // a short hex-looking word is text, not a digest
	} {
		if got := Leaks("haystack", []byte(leak), code); len(got) != 1 {
			t.Errorf("Leaks(%q) = %q, want the code found", leak, got)
		}
	}
	for _, chance := range []string{
		"1777778",
		"id 977777",
		"e3b0c44298fc1c149afbf4c8996fb92fa77777ae41e4649b934ca495991b7852b8", // sha256 hex
		"token a9f77777bc0d13e8 issued",                                      // a 16-digit hex id
	} {
		if got := Leaks("haystack", []byte(chance), code); len(got) != 0 {
			t.Errorf("Leaks(%q) = %q, want nothing: the code is only part of other data", chance, got)
		}
	}
	// The report says where and what surrounds it.
	got := Leaks("db", []byte(`xx{"code":"77777"}`), code)
	if want := `login code (plain) in db, at byte 11: "xx{\"code\":\"77777\"}"`; len(got) != 1 || got[0] != want {
		t.Errorf("report %q, want %q", got, want)
	}
}
