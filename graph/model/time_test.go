package model

import (
	"bytes"
	"testing"
	"time"
)

func TestMarshalTime(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	for name, tc := range map[string]struct {
		in   time.Time
		want string
	}{
		"OKWholeSeconds": {time.Date(2026, 12, 1, 21, 3, 26, 0, time.UTC), `"2026-12-01T21:03:26Z"`},
		"OKNanosDropped": {time.Date(2026, 12, 1, 21, 3, 26, 999_999_999, time.UTC), `"2026-12-01T21:03:26Z"`},
		"OKZoneToUTC":    {time.Date(2026, 12, 1, 22, 3, 26, 500, berlin), `"2026-12-01T21:03:26Z"`},
		"OKZeroIsNull":   {time.Time{}, `null`},
	} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			MarshalTime(tc.in).MarshalGQL(&b)
			if b.String() != tc.want {
				t.Errorf("MarshalTime(%v) = %s, want %s", tc.in, b.String(), tc.want)
			}
		})
	}
}
