package usertext

import "testing"

// TestCSVCellDefusesFormulas: text a spreadsheet would run as a formula
// is exported as text, leading spaces or a line break included.
func TestCSVCellDefusesFormulas(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1":           "'=1+1",
		" =HYPERLINK(1)": "' =HYPERLINK(1)",
		"  @SUM(A1)":     "'  @SUM(A1)",
		"\n+1":           "'\n+1",
		"-2":             "'-2",
		"\t=1":           "'\t=1",
		"Ann":            "Ann",
		" Ann":           " Ann",
		"":               "",
	} {
		if got := CSVCell(in); got != want {
			t.Errorf("CSVCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckNUL(t *testing.T) {
	if err := CheckNUL("name", "Spring", "ok"); err != nil {
		t.Errorf("plain text refused: %v", err)
	}
	err := CheckNUL("name", "ok", "Spr\x00ing")
	if e := NULError("name"); err == nil || err.Error() != e.Error() || e.Field != "name" || e.HTTPStatus() != 422 {
		t.Errorf("U+0000: %v", err)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 10446: "10,446", 1234567: "1,234,567", -1000: "-1,000", -999: "-999", -123456: "-123,456"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
