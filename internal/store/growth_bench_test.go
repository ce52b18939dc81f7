package store_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// BenchmarkDiskGrowth measures how much a database grows per 1,000
// campaign sends (the delivery rows written when the campaign starts,
// each claimed and marked sent as a sending run does), per 1,000 webhook
// deliveries (a delivery.sent event to one endpoint, delivered), and per
// 10,000 extracted members (pages of 200 as an extraction saves them),
// on both engines: the size after minus the size of the same database
// before, measured in the same run. SQLite's is the file after a WAL
// checkpoint; PostgreSQL's is pg_database_size.
//
//	go test ./internal/store -run '^$' -bench DiskGrowth -benchtime 1x
func BenchmarkDiskGrowth(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			for b.Loop() {
				var s store.Store
				if engine == "sqlite" {
					s = storetest.SQLite(b)
				} else {
					s = storetest.Postgres(b)
				}
				g := measureGrowth(b, s)
				b.ReportMetric(float64(g.sends)/1e3, "KB/1000sends")
				b.ReportMetric(float64(g.webhooks)/1e3, "KB/1000webhooks")
				b.ReportMetric(float64(g.members)/1e3, "KB/10000members")
				b.ReportMetric(float64(g.empty)/1e3, "KB_empty_db")
			}
		})
	}
}

type growth struct{ empty, sends, webhooks, members int64 }

func measureGrowth(b *testing.B, s store.Store) growth {
	ctx := context.Background()
	now := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
	u, err := s.CreateUser(ctx, store.NewUser{Email: "g@example.com", PasswordHash: "$argon2id$x", Now: now})
	if err != nil {
		b.Fatal(err)
	}
	a, err := s.CreateAccount(ctx, u.ID, store.AccountLogin{APIID: 1, APIHashSealed: make([]byte, 64), Phone: "9996620001",
		TGUserID: 4601, SessionSealed: make([]byte, 400), Now: now})
	if err != nil {
		b.Fatal(err)
	}
	var g growth
	g.empty = dbSize(b, s)

	// 1,000 sends.
	before := g.empty
	deliveries := make([]store.NewDelivery, 1000)
	for i := range deliveries {
		deliveries[i] = store.NewDelivery{AccountID: a.ID, TGUserID: 7_000_000_000 + int64(i), AccessHash: 1<<62 + int64(i),
			Username: fmt.Sprintf("user_%06d", i), FirstName: "Firstname", LastName: "Lastname", State: store.DeliveryPending,
			RandomID: 1<<61 + int64(i)}
	}
	c, err := s.CreateCampaign(ctx, store.NewCampaign{
		Campaign: store.Campaign{UserID: u.ID, Name: "Spring sale", Message: "Hello {first_name}, our spring sale starts today: 20% off everything until Sunday.",
			Status: store.CampaignDraft, OptOutFooter: true, MinIntervalSeconds: 30, DailyCap: 5000, FailurePercent: 10, Audience: "{}",
			CreatedAt: now, SenderIDs: []int64{a.ID}},
		Deliveries: deliveries,
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.SetCampaignStatus(ctx, u.ID, c.ID, []string{store.CampaignDraft}, store.CampaignRunning, "", now); err != nil {
		b.Fatal(err)
	}
	for i := range deliveries {
		d, err := s.NextPendingDelivery(ctx, c.ID, a.ID)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.FinishDelivery(ctx, store.Unfenced, d.ID, store.DeliverySent, "", "", 100_000+i, now); err != nil {
			b.Fatal(err)
		}
	}
	g.sends = dbSize(b, s) - before

	// 1,000 webhook deliveries.
	before = dbSize(b, s)
	ep, err := s.CreateWebhookEndpoint(ctx, store.NewWebhookEndpoint{UserID: u.ID, URL: "https://hooks.example.com/telegramate",
		SecretSealed: make([]byte, 80), Events: []string{"delivery.sent"}, Now: now})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 1000 {
		body := fmt.Sprintf(`{"id":"evt_%032d","type":"delivery.sent","created_at":"2026-12-07T01:00:00Z","data":{"campaign_id":%d,`+
			`"delivery_id":%d,"account_id":%d,"recipient":{"tg_user_id":%d,"username":"user_%06d","first_name":"Firstname","last_name":"Lastname"},`+
			`"state":"sent","reason_code":"","message_id":%d}}`, i, c.ID, i, a.ID, 7_000_000_000+i, i, 100_000+i)
		d, err := s.CreateWebhookDelivery(ctx, store.NewWebhookDelivery{EndpointID: ep.ID, UserID: u.ID, EventID: fmt.Sprintf("evt_%032d", i),
			EventType: "delivery.sent", Body: body, Now: now})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.RecordWebhookAttempt(ctx, store.WebhookAttempt{ID: d.ID, State: store.WebhookDelivered, Status: 204, Now: now}); err != nil {
			b.Fatal(err)
		}
	}
	g.webhooks = dbSize(b, s) - before

	// 10,000 members.
	before = dbSize(b, s)
	e, err := s.CreateExtraction(ctx, store.NewExtraction{UserID: u.ID, AccountID: a.ID, ListName: "Big group",
		Chat: store.Chat{TGChatID: 20, AccessHash: 77, Kind: store.ChatSupergroup, Title: "Big group", Username: "biggroup"}, Now: now})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.StartExtractionRun(ctx, e.ID, "run", now); err != nil {
		b.Fatal(err)
	}
	for page := range 50 {
		ms := make([]store.Member, 200)
		for i := range ms {
			n := page*200 + i
			ms[i] = store.Member{AccountID: a.ID, TGUserID: 6_000_000_000 + int64(n), AccessHash: 1<<62 + int64(n),
				Username: fmt.Sprintf("member_%06d", n), FirstName: "Firstname", LastName: "Lastname", LastSeen: store.SeenRecently,
				SeenRank: now.Unix() - 86400, Role: store.RoleMember, FetchedAt: now}
		}
		if _, err := s.SaveMembersPage(ctx, store.Checkpoint{ExtractionID: e.ID, RunToken: "run", Phase: "recent", PhaseOffset: (page + 1) * 200,
			Total: 10_000, Now: now}, ms); err != nil {
			b.Fatal(err)
		}
	}
	g.members = dbSize(b, s) - before
	return g
}

// dbSize is the database's size on disk.
func dbSize(b *testing.B, s store.Store) int64 {
	b.Helper()
	ctx := context.Background()
	if s.Dialect() != "sqlite" {
		var n int64
		if err := s.DB().QueryRowContext(ctx, "SELECT pg_database_size(current_database())").Scan(&n); err != nil {
			b.Fatal(err)
		}
		return n
	}
	if _, err := s.DB().ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		b.Fatal(err)
	}
	var seq int
	var name, file string
	if err := s.DB().QueryRowContext(ctx, "PRAGMA database_list").Scan(&seq, &name, &file); err != nil {
		b.Fatal(err)
	}
	fi, err := os.Stat(file)
	if err != nil {
		b.Fatal(err)
	}
	return fi.Size()
}
