package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader carries the signature of every request:
//
//	Telegramate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>
//
// where the HMAC's key is the endpoint's secret as shown (whsec_…) and its
// message is the timestamp, a dot and the raw body: "<t>.<body>". A
// receiver recomputes it, compares in constant time, and refuses a
// timestamp far from its clock (Verify does both).
const SignatureHeader = "Telegramate-Signature"

// Sign is the header's value for body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return m.Sum(nil)
}

// ErrSignature is a signature that does not match the body and secret,
// or a timestamp outside the tolerance.
var ErrSignature = errors.New("webhook: signature does not match")

// Verify checks a Telegramate-Signature header for body, as a receiver
// should: a v1 signature made with secret, at a time within tolerance of
// now (replays of an old request are refused).
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return ErrSignature
	}
	want := mac(secret, ts, body)
	for _, sig := range sigs {
		if hmac.Equal(sig, want) {
			return nil
		}
	}
	return ErrSignature
}
