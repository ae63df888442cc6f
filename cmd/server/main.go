// Command server runs Latchkey, the GraphQL account server.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"latchkey/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// run is the whole program, with its surroundings passed in so that tests can run it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		switch a := args[0]; {
		case isHelp(a):
			cmd, args = "help", args[1:]
		case a != "" && a[0] != '-':
			cmd, args = a, args[1:]
		}
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, stdout, stderr)
	case "createuser":
		return createUser(ctx, args, getenv, stdin, stdout, stderr)
	case "migrate":
		return migrate(ctx, args, getenv, stdout, stderr)
	case "populate":
		return populate(ctx, args, getenv, stdout, stderr)
	case "users":
		return users(ctx, args, getenv, stdin, stdout, stderr)
	case "keys":
		return keys(args, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "latchkey", version())
		return nil
	case "help":
		if len(args) > 0 && args[0] != "" && args[0][0] != '-' && args[0] != "help" {
			// The same text as COMMAND --help, which is where each command keeps its own.
			return run(ctx, []string{args[0], "--help"}, getenv, stdin, stdout, stderr)
		}
		usage(stdout)
		return nil
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", cmd)
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Usage: server [command]

Commands:
  serve       run the account server (the default)
  createuser  create an account (--email, --username; password asked on the terminal)
  migrate     apply (up) or list (status) the database migrations
  populate    create sample accounts for development
  users       list, disable, enable or delete accounts (list [--search S], disable EMAIL, …)
  keys        write a new EdDSA or ES256 signing key (generate --out FILE), or add one to rotate
  version     print the version
  help        print this help

Run "server help COMMAND" or "server COMMAND --help" for a command's options.

Settings come from the environment and from a .env file in the working directory.
`)
}

func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }

// loadSettings reads the settings every command needs, naming each invalid one.
func loadSettings(getenv func(string) string, envFile string) (*config.Config, error) {
	cfg, err := config.Load(getenv, envFile)
	if err != nil {
		return nil, fmt.Errorf("invalid settings:\n%w", err)
	}
	return cfg, nil
}
