//go:build !race

package web_test

const raceSlowdown = 1
