package extract

import "testing"

// TestCellTextDefusesFormulas: a name a spreadsheet would run as a formula
// is exported as text, leading spaces or a line break included.
func TestCellTextDefusesFormulas(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1":           "'=1+1",
		" =HYPERLINK(1)": "' =HYPERLINK(1)",
		"  @SUM(A1)":     "'  @SUM(A1)",
		"\n+1":           "'\n+1",
		"-2":             "'-2",
		"Ann":            "Ann",
		" Ann":           " Ann",
		"":               "",
	} {
		if got := cellText(in); got != want {
			t.Errorf("cellText(%q) = %q, want %q", in, got, want)
		}
	}
}
