package sandbox

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// generatedBase is where generated member ids start; each chat gets its own
// block, so ids never clash with world users or with each other.
const (
	generatedBase  = 10_000_000_000
	generatedBlock = 10_000_000
)

type namePool struct {
	first, last []string
	latin       bool
}

// Names in several scripts: exports and filters must cope with all of them.
var namePools = []namePool{
	{first: []string{"Anna", "James", "Maria", "Lucas", "Sofia", "Liam", "Emma", "Noah", "Olivia", "Mateo", "Chloé", "José"},
		last: []string{"Smith", "García", "Müller", "Rossi", "Dubois", "Silva", "Novak", "Kowalski", "O'Brien", "Jensen"}, latin: true},
	{first: []string{"Алексей", "Мария", "Иван", "Ольга", "Дмитрий", "Анна", "Сергей", "Екатерина"},
		last: []string{"Иванов", "Смирнова", "Кузнецов", "Попова", "Соколов", "Лебедева"}},
	{first: []string{"محمد", "فاطمة", "أحمد", "مريم", "علي", "نور"},
		last: []string{"الأحمد", "حسن", "إبراهيم", "سعيد"}},
	{first: []string{"伟", "芳", "娜", "敏", "静", "强"},
		last: []string{"王", "李", "张", "刘", "陈"}},
	{first: []string{"अर्जुन", "प्रिया", "राहुल", "अनन्या", "विकास"},
		last: []string{"शर्मा", "वर्मा", "गुप्ता", "सिंह"}},
	{first: []string{"Γιώργος", "Ελένη", "Νίκος", "Μαρία"},
		last: []string{"Παπαδόπουλος", "Νικολάου", "Γεωργίου"}},
	{first: []string{"Yuki", "Haruto", "Aiko", "Ren"},
		last: []string{"Tanaka", "Suzuki", "Sato"}, latin: true},
}

var handleWords = []string{"sun", "neo", "max", "lux", "ivy", "rex", "zen", "sky", "kai", "ace", "fox", "oak", "jet", "leo", "mia"}

// generateMembers makes count deterministic users for chat number index of
// the world: the same seed always gives the same people.
func generateMembers(index int, g GenerateMembers) []User {
	rng := rand.New(rand.NewPCG(uint64(g.Seed), uint64(index)+1))
	out := make([]User, 0, g.Count)
	base := int64(generatedBase + index*generatedBlock)
	for i := range g.Count {
		id := base + int64(i)
		u := User{ID: id, DC: 0, PrivacyStrangers: "allow"}
		roll := rng.IntN(1000)
		switch {
		case roll < 20: // deleted accounts keep their id and nothing else
			u.Deleted = true
			u.Status = "empty"
			out = append(out, u)
			continue
		case roll < 50:
			u.Bot = true
			w := handleWords[rng.IntN(len(handleWords))]
			u.FirstName = strings.ToUpper(w[:1]) + w[1:] + " Bot"
			u.Username = fmt.Sprintf("%s_%s_bot", w, strconv.FormatInt(id, 36))
			u.Status = "empty"
			out = append(out, u)
			continue
		}
		pool := namePools[weightedPool(rng)]
		u.FirstName = pool.first[rng.IntN(len(pool.first))]
		if rng.IntN(10) < 6 {
			u.LastName = pool.last[rng.IntN(len(pool.last))]
		}
		if rng.IntN(10) < 7 {
			stem := handleWords[rng.IntN(len(handleWords))]
			if pool.latin {
				stem = strings.ToLower(asciiOnly(u.FirstName))
				if len(stem) < 2 {
					stem = handleWords[rng.IntN(len(handleWords))]
				}
			}
			u.Username = fmt.Sprintf("%s_%s", stem, strconv.FormatInt(id, 36))
		}
		u.Status = randomStatus(rng)
		u.Premium = rng.IntN(100) < 8
		u.Verified = rng.IntN(1000) < 3
		if rng.IntN(100) < 5 {
			u.PrivacyStrangers = "deny"
		}
		out = append(out, u)
	}
	return out
}

func weightedPool(rng *rand.Rand) int {
	// Mostly Latin, a good share of Cyrillic, the rest spread out.
	r := rng.IntN(100)
	switch {
	case r < 45:
		return 0
	case r < 70:
		return 1
	case r < 80:
		return 2
	case r < 87:
		return 3
	case r < 93:
		return 4
	case r < 97:
		return 5
	}
	return 6
}

func randomStatus(rng *rand.Rand) string {
	r := rng.IntN(100)
	switch {
	case r < 5:
		return "online"
	case r < 40:
		return "recently"
	case r < 60:
		return "last_week"
	case r < 75:
		return "last_month"
	case r < 85:
		return "empty"
	}
	// Offline at some time in 2024-2026.
	return "offline:" + strconv.FormatInt(worldEpoch.Unix()+rng.Int64N(2*365*24*3600), 10)
}

func asciiOnly(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// GenerateWorld makes a world without a file (`--generate members=N`): one
// app, two data centers, four test accounts (one with 2FA, one living on DC 2)
// and one supergroup with N generated members besides them.
func GenerateWorld(members int) *World {
	w := &World{
		DCs:  []int{1, 2},
		Apps: []App{{APIID: 1234567, APIHash: "0123456789abcdef0123456789abcdef"}},
		Users: []User{
			{ID: 1001, Phone: "9996611001", FirstName: "Ann", LastName: "Lee", Username: "ann_sandbox", DC: 1, Contacts: []int64{1002}},
			{ID: 1002, Phone: "9996621002", FirstName: "Bob", LastName: "Stone", Username: "bob_sandbox", DC: 2, Contacts: []int64{1001},
				Password: "secret", PasswordHint: "the usual"},
			{ID: 1003, Phone: "9996631003", FirstName: "Cleo", Username: "cleo_sandbox", DC: 1},
			{ID: 1004, Phone: "9996641004", FirstName: "Dan", DC: 1, Reply: "STOP"},
		},
		Chats: []Chat{{
			ID: 5001, Type: ChatSupergroup, Title: "Sandbox Crowd", Username: "sandbox_crowd",
			Members: []int64{1001, 1002, 1003, 1004}, Admins: []int64{1001}, Creator: 1001,
			GenerateMembers: &GenerateMembers{Count: members, Seed: 1},
		}},
	}
	w.applyDefaults()
	return w
}
