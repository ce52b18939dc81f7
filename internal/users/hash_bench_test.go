package users

import "testing"

// BenchmarkHashPassword measures the cost of one log-in or sign-up with
// the default argon2id parameters.
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("correct horse battery", DefaultHashParams); err != nil {
			b.Fatal(err)
		}
	}
}
