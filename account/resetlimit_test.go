package account

import (
	"testing"
	"time"
)

func TestResetTooSoon(t *testing.T) {
	last := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		interval time.Duration
		last     *time.Time
		at       time.Time
		want     bool
	}{
		{"FirstMailNeverTooSoon", time.Minute, nil, last, false},
		{"WithinInterval", time.Minute, &last, last.Add(59 * time.Second), true},
		{"AtInterval", time.Minute, &last, last.Add(time.Minute), false},
		{"OlderThanLastMailIsTooSoon", time.Minute, &last, last.Add(-time.Second), true},
		{"NoIntervalNeverTooSoon", 0, &last, last, false},
		{"NoIntervalOlderRequestStillSends", 0, &last, last.Add(-time.Second), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Service{cfg: Config{ResetMailMinInterval: tt.interval}}
			if got := s.resetTooSoon(tt.last, tt.at); got != tt.want {
				t.Errorf("resetTooSoon = %v, want %v", got, tt.want)
			}
		})
	}
}
