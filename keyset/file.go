package keyset

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// maxFileSize bounds what Load reads: a key is a few hundred bytes.
const maxFileSize = 1 << 20

// Load reads the key file at path as keys for alg. Its errors say what is wrong with the file,
// never what it holds.
func Load(alg, path string) (*Set, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	s, err := Parse(alg, data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%s does not exist (server keys generate --out %s makes one)", path, path)
	case errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("%s cannot be read by this user", path)
	case err != nil:
		return nil, fmt.Errorf("cannot open %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
		err = pe.Err // the path is said once
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("%s is larger than 1 MiB: not a key file", path)
	}
	return data, nil
}
