package campaign_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestDeliveryCSVNamesPeople: the delivery report's CSV starts with a BOM
// (as the member lists' does, so spreadsheets read names as UTF-8), names
// each person, and leaves the account empty on a row no account took.
func TestDeliveryCSVNamesPeople(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st store.Store) {
		svc := quietService(t, st, campaign.Options{})
		uid := newUser(t, st, "ann@example.com")
		c := draftOf(t, st, uid, time.Now().UTC(), []store.NewDelivery{{TGUserID: 100_001, Username: "zoe_bot",
			FirstName: "Zoë", LastName: "Ünal", State: store.DeliverySkipped, ReasonCode: "bot", Reason: "A bot"}})
		var out bytes.Buffer
		if err := svc.WriteDeliveries(context.Background(), uid, c.ID, "csv", &out); err != nil {
			t.Fatal(err)
		}
		text, ok := strings.CutPrefix(out.String(), "\ufeff")
		if !ok {
			t.Errorf("the CSV does not start with a BOM: %q", out.String())
		}
		rows, err := csv.NewReader(strings.NewReader(text)).ReadAll()
		if err != nil || len(rows) != 2 {
			t.Fatalf("CSV %q: %v", text, err)
		}
		row := map[string]string{}
		for i, h := range rows[0] {
			row[h] = rows[1][i]
		}
		if row["first_name"] != "Zoë" || row["last_name"] != "Ünal" || row["account_id"] != "" || row["state"] != "skipped" {
			t.Errorf("row %v: want the person's names and no account", row)
		}
	})
}
