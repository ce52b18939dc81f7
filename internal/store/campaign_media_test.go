package store_test

import (
	"context"
	"errors"
	"maps"
	"strconv"
	"testing"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestCampaignMedia: each step of a campaign attaches at most one file,
// set again replaces it; a file a campaign uses is not deleted from under
// it, and the campaign's deletion takes its rows along.
func TestCampaignMedia(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		u := mustUser(t, s, "media@example.com")
		ws := ownWorkspace(t, s, u.ID)
		acc := mustAccount(t, s, u.ID, 1, "+100")
		c := newCampaign(t, s, ws, acc.ID)

		got, err := s.CampaignMedia(ctx, c.ID)
		if err != nil || len(got) != 0 {
			t.Fatalf("a campaign without media: %v %v", got, err)
		}
		photo, _, err := s.PutMediaFile(ctx, newMedia(ws, "photo.jpg"), randomBytes(1, 1000))
		if err != nil {
			t.Fatal(err)
		}
		doc, _, err := s.PutMediaFile(ctx, newMedia(ws, "doc.pdf"), randomBytes(2, 2000))
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range []struct {
			step int
			file int64
		}{{1, doc.ID}, {3, doc.ID}, {1, photo.ID}} {
			if err := s.SetCampaignMedia(ctx, c.ID, x.step, x.file); err != nil {
				t.Fatal(err)
			}
		}
		got, err = s.CampaignMedia(ctx, c.ID)
		if want := map[int]int64{1: photo.ID, 3: doc.ID}; err != nil || !maps.Equal(got, want) {
			t.Fatalf("media %v %v, want %v", got, err, want)
		}
		if err := s.SetCampaignMedia(ctx, c.ID, 2, 999999); err == nil {
			t.Error("a step attached a file that does not exist")
		}
		if err := s.DeleteMediaFile(ctx, ws, doc.ID); err == nil {
			t.Error("a file a campaign uses was deleted")
		}
		if _, err := s.MediaFile(ctx, ws, doc.ID); err != nil {
			t.Fatalf("the file in use: %v", err)
		}
		if _, err := s.DB().ExecContext(ctx, "DELETE FROM deliveries WHERE campaign_id = "+strconv.FormatInt(c.ID, 10)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().ExecContext(ctx, "DELETE FROM campaigns WHERE id = "+strconv.FormatInt(c.ID, 10)); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, s, "campaign_media"); n != 0 {
			t.Errorf("%d campaign_media rows left after the campaign", n)
		}
		if err := s.DeleteMediaFile(ctx, ws, doc.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a file no campaign uses: %v", err)
		}
	})
}

// TestCampaignMediaGoesWithItsWorkspace: deleting a workspace takes its
// campaigns and files together, the files a campaign uses included.
func TestCampaignMediaGoesWithItsWorkspace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		u := mustUser(t, s, "gone@example.com")
		ws := ownWorkspace(t, s, u.ID)
		acc := mustAccount(t, s, u.ID, 1, "+100")
		c := newCampaign(t, s, ws, acc.ID)
		f, _, err := s.PutMediaFile(ctx, newMedia(ws, "photo.jpg"), randomBytes(3, 5000))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetCampaignMedia(ctx, c.ID, 1, f.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteWorkspace(ctx, ws); err != nil {
			t.Fatalf("delete the workspace: %v", err)
		}
		for _, table := range []string{"campaign_media", "media_files", "media_chunks"} {
			if n := countRows(t, s, table); n != 0 {
				t.Errorf("%d %s rows left", n, table)
			}
		}
	})
}
