package sandbox

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// DefaultGeneratedAccountID is where generated account ids start unless
// generate_accounts.first_id says otherwise: far above world users and below
// generated chat members (10,000,000,000 and up).
const DefaultGeneratedAccountID = 5_000_000_000

// maxGeneratedAccounts keeps a typo from building a world that does not fit
// in memory.
const maxGeneratedAccounts = 100_000

func (g *GenerateAccounts) validate(dcs map[int]bool, ids map[int64]bool, phones map[string]bool, usernames map[string]string) error {
	if g == nil {
		return nil
	}
	const f = "generate_accounts"
	if g.Count < 1 || g.Count > maxGeneratedAccounts {
		return fieldErr(f+".count", "%d is not between 1 and %d", g.Count, maxGeneratedAccounts)
	}
	if len(g.FirstPhone) < 7 || len(g.FirstPhone) > 15 {
		return fieldErr(f+".first_phone", "%q is not an international number of 7-15 digits", g.FirstPhone)
	}
	first, _ := strconv.ParseUint(g.FirstPhone, 10, 64)
	if last := strconv.FormatUint(first+uint64(g.Count)-1, 10); len(last) != len(g.FirstPhone) {
		return fieldErr(f+".count", "%d numbers from %s run past %d digits", g.Count, g.FirstPhone, len(g.FirstPhone))
	}
	if g.FirstID < 1 {
		return fieldErr(f+".first_id", "%d is not a positive id", g.FirstID)
	}
	if !dcs[g.DC] {
		return fieldErr(f+".dc", "%d is not in dcs", g.DC)
	}
	for _, u := range g.users() {
		if ids[u.ID] {
			return fieldErr(f+".first_id", "generated id %d is already a user's id", u.ID)
		}
		if phones[u.Phone] {
			return fieldErr(f+".first_phone", "generated phone %s is already a user's phone", u.Phone)
		}
		if other, ok := usernames[strings.ToLower(u.Username)]; ok {
			return fieldErr(f, "generated username %q is already used by %s", u.Username, other)
		}
		ids[u.ID] = true
		phones[u.Phone] = true
	}
	return nil
}

// users makes the accounts: the same seed always gives the same names.
func (g *GenerateAccounts) users() []User {
	if g == nil {
		return nil
	}
	rng := rand.New(rand.NewPCG(uint64(g.Seed), 0xacc0))
	first, _ := strconv.ParseUint(g.FirstPhone, 10, 64)
	out := make([]User, 0, g.Count)
	for i := range g.Count {
		phone := strconv.FormatUint(first+uint64(i), 10)
		pool := namePools[weightedPool(rng)]
		u := User{
			ID:               g.FirstID + int64(i),
			Phone:            phone,
			FirstName:        pool.first[rng.IntN(len(pool.first))],
			LastName:         pool.last[rng.IntN(len(pool.last))],
			Username:         "acct" + phone,
			DC:               g.DC,
			Status:           "recently",
			PrivacyStrangers: "allow",
		}
		out = append(out, u)
	}
	return out
}

// GeneratedAccounts lists the accounts generate_accounts makes, for a
// benchmark that needs their phones and ids.
func (w *World) GeneratedAccounts() []User {
	return w.GenerateAccounts.users()
}

func (g *GenerateAccounts) String() string {
	if g == nil || g.Count == 0 {
		return ""
	}
	first, _ := strconv.ParseUint(g.FirstPhone, 10, 64)
	return fmt.Sprintf("%d generated accounts, +%s to +%d, ids %d to %d, DC %d",
		g.Count, g.FirstPhone, first+uint64(g.Count)-1, g.FirstID, g.FirstID+int64(g.Count)-1, g.DC)
}
