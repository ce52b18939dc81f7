package inbox_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gotd/td/tg"

	"github.com/telegramate/telegramate/internal/inbox"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/sqlstore"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/telegram"
)

// Scale of the list benchmark: the 50,000 conversations over 100
// accounts, 50 a page.
const (
	benchConversations = 50_000
	benchAccounts      = 100
	benchPage          = 50
)

// BenchmarkInboxList reads the first page and page 1,000 of a user's
// inbox through the service (cursor, filters, joins for the account's and
// campaign's names) and, in the same run, the same rows with a bare
// SELECT on the list's index; it reports each ratio.
//
//	go test -run '^$' -bench BenchmarkInboxList -benchtime 200x ./internal/inbox/
func BenchmarkInboxList(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			var st store.Store
			if engine == "sqlite" {
				st = storetest.SQLite(b)
			} else {
				st = storetest.Postgres(b)
			}
			userID := seedInbox(b, st)
			svc, err := inbox.New(inbox.Options{Store: st, Accounts: noAccounts{}})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			// Page 1,000 starts after page 999's last row: walk there with
			// the service's own cursors once, outside the timing.
			cursor := ""
			var edge inbox.Conversation
			for range 999 {
				p, err := svc.List(ctx, userID, inbox.Filter{Cursor: cursor, Limit: benchPage})
				if err != nil || len(p.Conversations) != benchPage {
					b.Fatalf("walking the pages: %d rows, %v", len(p.Conversations), err)
				}
				cursor, edge = p.Next, p.Conversations[benchPage-1]
			}
			bare := bareList(st)
			for _, page := range []struct {
				name   string
				cursor string
				at     time.Time
				id     int64
			}{{"page1", "", time.Time{}, 0}, {"page1000", cursor, edge.LastMessageAt, edge.ID}} {
				b.Run(page.name, func(b *testing.B) {
					var svcTime, bareTime time.Duration
					for b.Loop() {
						t0 := time.Now()
						p, err := svc.List(ctx, userID, inbox.Filter{Cursor: page.cursor, Limit: benchPage})
						t1 := time.Now()
						n, err2 := bare(ctx, userID, page.at, page.id)
						t2 := time.Now()
						if err != nil || err2 != nil || len(p.Conversations) != benchPage || n != benchPage {
							b.Fatalf("service %d rows (%v), bare %d rows (%v)", len(p.Conversations), err, n, err2)
						}
						if p.Conversations[0].ID == 0 {
							b.Fatal("no row")
						}
						svcTime += t1.Sub(t0)
						bareTime += t2.Sub(t1)
					}
					b.ReportMetric(float64(svcTime.Microseconds())/float64(b.N), "service-µs/page")
					b.ReportMetric(float64(bareTime.Microseconds())/float64(b.N), "bare-µs/page")
					b.ReportMetric(float64(svcTime)/float64(bareTime), "ratio")
				})
			}
		})
	}
}

// bareList is the same page as a plain SELECT of the list's columns on its
// index, without the cursor's parsing, the joins or the service.
func bareList(st store.Store) func(ctx context.Context, userID int64, at time.Time, id int64) (int, error) {
	cols := "id, user_id, account_id, tg_user_id, access_hash, first_name, last_name, username, last_message_at, " +
		"last_message_text, last_message_out, unread, status, campaign_id, history_loaded, created_at, updated_at"
	first := "SELECT " + cols + " FROM conversations WHERE user_id = ? ORDER BY last_message_at DESC, id DESC LIMIT ?"
	next := "SELECT " + cols + " FROM conversations WHERE user_id = ? AND last_message_at <= ? AND (last_message_at < ? OR id < ?) " +
		"ORDER BY last_message_at DESC, id DESC LIMIT ?"
	if st.Dialect() == "postgres" {
		first, next = numbered(first), numbered(next)
	}
	return func(ctx context.Context, userID int64, at time.Time, id int64) (int, error) {
		var (
			rows interface {
				Next() bool
				Scan(...any) error
				Close() error
				Err() error
			}
			err error
		)
		if id == 0 {
			rows, err = st.DB().QueryContext(ctx, first, userID, benchPage)
		} else {
			at = sqlstore.Time(at)
			rows, err = st.DB().QueryContext(ctx, next, userID, at, at, id, benchPage)
		}
		if err != nil {
			return 0, err
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var c store.Conversation
			var campaign *int64
			var unread int64
			if err := rows.Scan(&c.ID, &c.UserID, &c.AccountID, &c.TGUserID, &c.AccessHash, &c.FirstName, &c.LastName, &c.Username,
				&c.LastMessageAt, &c.LastMessageText, &c.LastMessageOut, &unread, &c.Status, &campaign, &c.HistoryLoaded,
				&c.CreatedAt, &c.UpdatedAt); err != nil {
				return n, err
			}
			n++
		}
		return n, rows.Err()
	}
}

func numbered(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// seedInbox writes a user with benchAccounts accounts and
// benchConversations conversations spread over them, a message each, in
// multi-row INSERTs (the product's own path would take minutes).
func seedInbox(b *testing.B, st store.Store) int64 {
	b.Helper()
	ctx := context.Background()
	now := sqlstore.Time(time.Now())
	u, err := st.CreateUser(ctx, store.NewUser{Email: "bench@example.com", PasswordHash: "x", Now: now})
	if err != nil {
		b.Fatal(err)
	}
	accounts := make([]int64, benchAccounts)
	for i := range accounts {
		a, err := st.CreateAccount(ctx, u.ID, store.AccountLogin{APIID: int64(3_000_000 + i), APIHashSealed: []byte("x"),
			Phone: fmt.Sprintf("999667%04d", i), TGUserID: int64(100_000 + i), FirstName: fmt.Sprintf("Account %d", i),
			SessionSealed: []byte("x"), Now: now})
		if err != nil {
			b.Fatal(err)
		}
		accounts[i] = a.ID
	}
	const batch = 500
	err = st.InTx(ctx, func(tx store.Tx) error {
		for start := 0; start < benchConversations; start += batch {
			var (
				q    strings.Builder
				args []any
			)
			q.WriteString("INSERT INTO conversations (user_id, account_id, tg_user_id, access_hash, first_name, username, search_text, " +
				"last_message_at, last_message_text, unread, status, created_at, updated_at) VALUES ")
			for i := start; i < start+batch; i++ {
				if i > start {
					q.WriteString(", ")
				}
				q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
				// Some conversations share a second, as replies to one
				// campaign do.
				at := now.Add(-time.Duration(i/3) * time.Second)
				name := fmt.Sprintf("Person %d", i)
				status := store.ConversationOpen
				if i%7 == 0 {
					status = store.ConversationDone
				}
				args = append(args, u.ID, accounts[i%benchAccounts], int64(1_000_000+i), int64(i+1), name, fmt.Sprintf("p%d", i),
					strings.ToLower(name), at, "hello from "+name, i%2, status, at, at)
			}
			query := q.String()
			if st.Dialect() == "postgres" {
				query = numbered(query)
			}
			if _, err := tx.SQL().ExecContext(ctx, query, args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if st.Dialect() == "postgres" {
		if _, err := st.DB().ExecContext(ctx, "ANALYZE conversations"); err != nil {
			b.Fatal(err)
		}
	} else if _, err := st.DB().ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	return u.ID
}

// noAccounts is the inbox's Accounts for a benchmark that only reads.
type noAccounts struct{}

func (noAccounts) Use(context.Context, int64, int64, func(context.Context, *tg.Client) error, ...telegram.RunOption) error {
	return fmt.Errorf("no Telegram in this benchmark")
}

func (noAccounts) Usable(context.Context, int64, int64) error { return nil }
