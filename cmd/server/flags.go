package main

import (
	"flag"
	"fmt"
	"io"
)

// commandFlags is a subcommand's flag set: errors and help go to stderr, and it reads its
// settings from -env-file. A usage text, when given, heads the help above the flags.
func commandFlags(name, usage string, stderr io.Writer) (fs *flag.FlagSet, envFile *string) {
	fs = flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	if usage != "" {
		fs.Usage = func() {
			fmt.Fprint(fs.Output(), usage)
			fs.PrintDefaults()
		}
	}
	envFile = fs.String("env-file", ".env", "`path` of the .env file to read settings from")
	return fs, envFile
}
