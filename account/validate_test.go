package account

import (
	"strings"
	"testing"
)

func TestNormalizeEmail(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"ASCIIUnchanged", "alice@example.com", "alice@example.com"},
		{"CapitalsAndSpaces", "  Alice@Example.COM\t", "alice@example.com"},
		{"SubdomainAndPlus", "a.b+tag@mail.example.co.uk", "a.b+tag@mail.example.co.uk"},
		{"NFDLocalPartComposed", "jose\u0301@example.com", "jos\u00e9@example.com"},
		{"NFCLocalPartKept", "jos\u00e9@example.com", "jos\u00e9@example.com"},
		{"UnicodeCapitalsLowered", "JOS\u00c9@example.com", "jos\u00e9@example.com"},
		{"ULabelToALabel", "user@b\u00fccher.example", "user@xn--bcher-kva.example"},
		{"ALabelKept", "user@xn--bcher-kva.example", "user@xn--bcher-kva.example"},
		{"ALabelCapitalsLowered", "user@XN--BCHER-KVA.Example", "user@xn--bcher-kva.example"},
		{"NFDULabel", "user@bu\u0308cher.example", "user@xn--bcher-kva.example"},
		{"IDNTopLevelDomain", "user@example.xn--p1ai", "user@example.xn--p1ai"},
		{"CyrillicOnly", "\u0438\u0432\u0430\u043d@example.com", "\u0438\u0432\u0430\u043d@example.com"},
		{"JapaneseMix", "\u5c71\u7530\u305f\u308d\u3046\u30bf\u30ed\u30a6@example.jp", "\u5c71\u7530\u305f\u308d\u3046\u30bf\u30ed\u30a6@example.jp"},
		{"LocalPartAt64Bytes", strings.Repeat("a", 64) + "@example.com", strings.Repeat("a", 64) + "@example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := normalizeEmail("email", tc.in)
			if err != nil || got != tc.want {
				t.Fatalf("normalizeEmail(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestNormalizeEmailRefuses(t *testing.T) {
	long := strings.Repeat("a", 63)
	for _, tc := range []struct{ name, in string }{
		{"Empty", ""},
		{"NoAt", "alice.example.com"},
		{"DisplayName", "Alice <alice@example.com>"},
		{"TwoAts", "a@b@example.com"},
		{"Quoted", `"a b"@example.com`},
		{"ZeroWidthSpace", "ali\u200bce@example.com"},
		{"ZeroWidthJoiner", "ali\u200dce@example.com"},
		{"ZeroWidthNonJoiner", "ali\u200cce@example.com"},
		{"WordJoiner", "alice\u2060@example.com"},
		{"ByteOrderMark", "\ufeffalice@example.com"},
		{"SoftHyphen", "ali\u00adce@example.com"},
		{"SoftHyphenInDomain", "alice@exam\u00adple.com"},
		{"ZeroWidthSpaceInDomain", "alice@exa\u200bmple.com"},
		{"VariationSelector", "alice\ufe0f@example.com"},
		{"BidiOverride", "alice\u202e@example.com"},
		{"BidiIsolate", "\u2066alice\u2069@example.com"},
		{"TagCharacter", "alice\U000e0041@example.com"},
		{"HangulFiller", "alice\u3164@example.com"},
		{"PrivateUse", "alice\ue000@example.com"},
		{"NoBreakSpace", "ali\u00a0ce@example.com"},
		{"LatinAndCyrillic", "p\u0430ypal@example.com"},
		{"LatinAndGreek", "\u03bfnline@example.com"},
		{"IPv4Literal", "user@[10.0.0.5]"},
		{"IPv6Literal", "user@[IPv6:::1]"},
		{"BareIPv4", "root@10.0.0.5"},
		{"ShortIPv4", "root@10.5"},
		{"HexIPv4", "root@0x0a.0x05"},
		{"NumericTopLevel", "root@example.123"},
		{"SingleLabel", "postmaster@localhost"},
		{"SingleLabelHost", "root@host"},
		{"SingleIDNLabel", "root@b\u00fccher"},
		{"BadPunycode", "user@xn--a.example"},
		{"Underscore", "user@ex_ample.com"},
		{"LeadingHyphen", "user@-example.com"},
		{"TrailingDot", "user@example.com."},
		{"LocalPartOver64Bytes", long + "aa@example.com"},
		{"LocalPartOver64BytesComposed", long + "\u00e9@example.com"},
		{"Over254", "a@" + strings.Repeat(strings.Repeat("b", 62)+".", 4) + "com"},
		{"LabelOver63", "a@" + strings.Repeat("b", 64) + ".com"},
		{"InvalidUTF8", "ali\xffce@example.com"},
		{"NewLine", "alice@example.com\nBcc: x@example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := normalizeEmail("email", tc.in)
			if err == nil {
				t.Fatalf("normalizeEmail(%q) = %q, want refused", tc.in, got)
			}
			if e, ok := err.(*Error); !ok || e.Code != CodeBadUserInput || e.Field != "email" || e.Message != "Enter a valid email address" {
				t.Fatalf("normalizeEmail(%q) error = %#v", tc.in, err)
			}
		})
	}
}
