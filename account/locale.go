package account

import (
	"context"
	"fmt"
	"strings"

	"latchkey/ent"
	"latchkey/locale"
)

var errLocaleUnsupported = badInput("locale", "Choose one of the supported languages: "+strings.Join(locale.Languages(), ", "))

// chooseLocale returns the language an account or mail is to get: requested when given (nil:
// not given), else the one the request asked for with Accept-Language (locale.NewContext).
// Errors: BAD_USER_INPUT (locale) when requested is not supported.
func chooseLocale(ctx context.Context, requested *string) (string, error) {
	if requested == nil {
		return locale.FromContext(ctx), nil
	}
	lang, ok := locale.Supported(*requested)
	if !ok {
		return "", errLocaleUnsupported
	}
	return lang, nil
}

// SetLocale sets the language of the signed-in account's mail to lang ("de", "de-AT": "de").
// Errors: UNAUTHENTICATED, BAD_USER_INPUT (locale).
func (s *Service) SetLocale(ctx context.Context, lang string) (*ent.User, error) {
	_, u, err := s.signedIn(ctx)
	if err != nil {
		return nil, err
	}
	if lang, err = chooseLocale(ctx, &lang); err != nil {
		return nil, err
	}
	if u.Locale == lang {
		return u, nil
	}
	u, err = s.db.User.UpdateOneID(u.ID).SetLocale(lang).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("set locale: %w", err)
	}
	return u, nil
}
