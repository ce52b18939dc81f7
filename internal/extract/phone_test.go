package extract

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/telegramate/telegramate/internal/store"
)

// TestExportsWritePhonesInInternationalForm: Telegram gives digits; every
// export format writes them with the leading "+".
func TestExportsWritePhonesInInternationalForm(t *testing.T) {
	m := store.Member{TGUserID: 7, FirstName: "Ann", Phone: "447700900123", LastSeen: store.SeenRecently, Role: store.RoleMember}
	const want = "+447700900123"
	if got := ToJSON(m).Phone; got != want {
		t.Errorf("JSON phone %q, want %q", got, want)
	}
	if got := ToJSON(store.Member{}).Phone; got != "" {
		t.Errorf("no phone is written as %q", got)
	}

	var csv bytes.Buffer
	write(t, newCSVWriter(&csv), m)
	if lines := strings.Split(csv.String(), "\r\n"); len(lines) < 2 || strings.Split(lines[1], ",")[7] != want {
		t.Errorf("CSV:\n%s", csv.String())
	}

	var js bytes.Buffer
	write(t, &jsonWriter{w: &js, enc: json.NewEncoder(&js)}, m)
	if !strings.Contains(js.String(), `"phone":"+447700900123"`) {
		t.Errorf("JSON export: %s", js.String())
	}

	var xl bytes.Buffer
	x, err := newXLSXWriter(&xl)
	if err != nil {
		t.Fatal(err)
	}
	write(t, x, m)
	f, err := excelize.OpenReader(&xl)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, _ := f.GetCellValue("Members", "H2"); got != want {
		t.Errorf("XLSX phone %q, want %q", got, want)
	}
}

func write(t *testing.T, w exportWriter, m store.Member) {
	t.Helper()
	if err := w.begin(); err != nil {
		t.Fatal(err)
	}
	if err := w.row(m); err != nil {
		t.Fatal(err)
	}
	if err := w.end(); err != nil {
		t.Fatal(err)
	}
}
