package graph

import "testing"

func TestWellFormedText(t *testing.T) {
	for name, tc := range map[string]struct {
		in   string
		want bool
	}{
		"OKPlain":                {`{"a":"b"}`, true},
		"OKNonASCII":             {`{"a":"jörg ✓"}`, true},
		"OKEscapes":              {`{"a":"\u00e9\n\"\\"}`, true},
		"OKSurrogatePair":        {`{"a":"\ud83d\ude00"}`, true},
		"OKEscapedBackslash":     {`{"a":"\\ud800"}`, true},
		"OKBadHexLeftToDecoder":  {`{"a":"\uzzzz"}`, true},
		"OKTrailingBackslash":    {`\`, true},
		"ErrInvalidUTF8":         {"{\"a\":\"\xff\"}", false},
		"ErrTruncatedUTF8":       {"{\"a\":\"\xc3\"}", false},
		"ErrLoneLowSurrogate":    {`{"a":"\udc00"}`, false},
		"ErrLoneHighSurrogate":   {`{"a":"\ud800"}`, false},
		"ErrHighThenNotLow":      {`{"a":"\ud800\u0041"}`, false},
		"ErrHighThenTwoHighs":    {`{"a":"\ud800\ud800"}`, false},
		"ErrHighAtEnd":           {`\ud800`, false},
		"ErrHighThenBackslashes": {`{"a":"\ud800\\udc00"}`, false},
	} {
		t.Run(name, func(t *testing.T) {
			if got := wellFormedText([]byte(tc.in)); got != tc.want {
				t.Errorf("wellFormedText(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestResponseMediaType(t *testing.T) {
	for accept, want := range map[string]string{
		"":                                  mediaJSON,
		"*/*":                               mediaJSON,
		"application/json":                  mediaJSON,
		"application/graphql-response+json": mediaGraphQLResponse,
		"application/graphql-response+json, application/json;q=0.9": mediaGraphQLResponse,
		"application/json, application/graphql-response+json":       mediaJSON,
		"text/html, application/graphql-response+json":              mediaGraphQLResponse,
		"text/html":                              mediaJSON,
		"application/json; charset=utf-8, x":     mediaJSON,
		";;;, application/graphql-response+json": mediaGraphQLResponse,
	} {
		if got := responseMediaType(accept); got != want {
			t.Errorf("responseMediaType(%q) = %q, want %q", accept, got, want)
		}
	}
}
