package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// commandFlags is a subcommand's flag set, which reads its settings from -env-file. A usage
// text, when given, heads the help above the flags.
func commandFlags(name, usage string, stderr io.Writer) (fs *flag.FlagSet, envFile *string) {
	fs = flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	if usage != "" {
		fs.Usage = func() {
			fmt.Fprint(fs.Output(), usage)
			fs.PrintDefaults()
		}
	}
	envFile = fs.String("env-file", ".env", "`path` of the .env file to read settings from; one named here must exist")
	return fs, envFile
}

// parseFlags parses args with the flags anywhere among the other arguments (up to a "--"), as
// in `migrate status --env-file X`, and returns those others. Asked for help, it prints it to
// stdout and returns flag.ErrHelp; after a mistake it prints the help to stderr and returns the
// mistake, which main prints once. A -env-file named on the command line must exist.
func parseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) ([]string, error) {
	fs.SetOutput(io.Discard)
	defer fs.SetOutput(stderr)
	var positional []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.Usage()
			return nil, err
		}
		if err != nil {
			fs.SetOutput(stderr)
			fs.Usage()
			return nil, err
		}
		rest := fs.Args()
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" || len(rest) == 0 {
			positional = append(positional, rest...)
			break
		}
		positional, args = append(positional, rest[0]), rest[1:]
	}
	return positional, checkEnvFile(fs)
}

// checkEnvFile refuses a -env-file that was named but is not there: a typo in its name would
// otherwise run the command with other settings than the operator meant.
func checkEnvFile(set *flag.FlagSet) error {
	var err error
	set.Visit(func(f *flag.Flag) {
		if f.Name != "env-file" {
			return
		}
		if _, statErr := os.Stat(f.Value.String()); errors.Is(statErr, fs.ErrNotExist) {
			err = fmt.Errorf("--env-file %s: no such file", f.Value.String())
		} else if statErr != nil {
			err = fmt.Errorf("--env-file: %w", statErr)
		}
	})
	return err
}

// orUsage is err, or else (for arguments a command does not take) the help on stderr and msg.
func orUsage(fs *flag.FlagSet, err error, msg string) error {
	if err != nil {
		return err
	}
	fs.Usage()
	return errors.New(msg)
}
