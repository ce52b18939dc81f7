package campaign

import (
	"context"
	"fmt"
	"strings"

	"github.com/telegramate/telegramate/internal/store"
)

// MaxSearchResults bounds a picker's matches: a picker lists what a
// person can read through, and narrows by typing.
const MaxSearchResults = 50

// Search is at most limit of the user's campaigns whose name contains
// text (any case), newest first; "" gives the newest.
func (s *Service) Search(ctx context.Context, userID int64, text string, limit int) ([]store.Campaign, error) {
	if limit <= 0 || limit > MaxSearchResults {
		limit = MaxSearchResults
	}
	list, err := s.st.SearchCampaigns(ctx, userID, searchText(text), limit)
	if err != nil {
		return nil, fmt.Errorf("search campaigns: %w", err)
	}
	return list, nil
}

// Find is one of the user's campaigns without its counts (a picker's
// chosen entry).
func (s *Service) Find(ctx context.Context, userID, id int64) (store.Campaign, error) {
	return s.campaign(ctx, userID, id)
}

// searchText is what is searched for: trimmed, valid UTF-8, no longer
// than a name can be.
func searchText(s string) string {
	s = strings.ToValidUTF8(strings.TrimSpace(s), "")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200])
	}
	return s
}
