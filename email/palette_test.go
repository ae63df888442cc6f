package email_test

import (
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"
)

var hexColour = regexp.MustCompile(`#[0-9a-fA-F]{6}\b`)

// TestMailColoursAreThePagesPalette: a mail is the product too, so it uses the pages' light
// colours (web/static/style.css's custom properties) and no others.
func TestMailColoursAreThePagesPalette(t *testing.T) {
	css, err := os.ReadFile("../web/static/style.css")
	if err != nil {
		t.Fatal(err)
	}
	light, _, _ := strings.Cut(string(css), "@media") // the first block is the light scheme
	palette := map[string]bool{}
	for _, c := range hexColour.FindAllString(light, -1) {
		palette[strings.ToLower(c)] = true
	}
	if len(palette) < 5 {
		t.Fatalf("found only %d colours in style.css's light scheme", len(palette))
	}
	checked := 0
	err = fs.WalkDir(os.DirFS("templates"), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		b, err := os.ReadFile("templates/" + path)
		if err != nil {
			return err
		}
		for _, c := range hexColour.FindAllString(string(b), -1) {
			checked++
			if !palette[strings.ToLower(c)] {
				t.Errorf("%s uses %s, which is not one of the pages' colours", path, c)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Fatal("no colour found in the mail templates")
	}
}
