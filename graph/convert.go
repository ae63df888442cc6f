package graph

import (
	"strconv"

	"latchkey/account"
	"latchkey/ent"
	"latchkey/graph/model"
)

func toUser(u *ent.User) *model.User {
	return &model.User{
		ID:            strconv.Itoa(u.ID),
		Username:      u.Username,
		Email:         u.Email,
		CreatedAt:     u.CreatedAt,
		EmailVerified: u.EmailVerified,
		Locale:        u.Locale,
	}
}

func toSession(s *account.Session) *model.Session {
	return &model.Session{
		AccessToken: s.AccessToken,
		TokenType:   "Bearer",
		ExpiresAt:   s.ExpiresAt,
		DeviceToken: s.DeviceToken,
		User:        toUser(s.User),

		RefreshToken:     s.RefreshToken,
		RefreshExpiresAt: s.RefreshExpiresAt,
	}
}

func toSessionInfos(list []account.SessionInfo) []model.SessionInfo {
	out := make([]model.SessionInfo, len(list))
	for i, s := range list {
		out[i] = model.SessionInfo{
			ID:         s.ID,
			CreatedAt:  s.CreatedAt,
			LastUsedAt: s.LastUsedAt,
			IPAddress:  optional(s.IPAddress),
			UserAgent:  optional(s.UserAgent),
			Current:    s.Current,
		}
	}
	return out
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func message(text string) *model.MessagePayload {
	return &model.MessagePayload{Message: text}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
