// Command ferretdb runs FerretDB v1 (SQLite backend) as a local MongoDB-compatible server.
//
// It exists because `go install` of the upstream cmd/ferretdb panics at init: the module zip
// lacks build/version/version.txt, which is only checked when FerretDB itself is the main
// module. Embedding the library from our own main module sidesteps that check. The embedded
// package also disables telemetry and starts no debug HTTP listener.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	dataDir := flag.String("data", "", "absolute directory holding one SQLite file per database (created if missing)")
	logLevel := flag.String("log-level", "info", "debug, info, warn or error")
	flag.Parse()

	if err := run(*listen, *dataDir, *logLevel); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: %s\n", err)
		os.Exit(1)
	}
}

func run(listen, dataDir, logLevel string) error {
	if dataDir == "" || !filepath.IsAbs(dataDir) {
		return errors.New("-data must be an absolute directory path")
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("invalid -log-level %q", logLevel)
	}

	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return fmt.Errorf("cannot create data directory: %w", err)
	}

	// The SQLite handler rejects a URL that is not an existing directory ending with '/'.
	sqliteURL := "file:" + strings.TrimSuffix(dataDir, "/") + "/"

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: sqliteURL,
	})
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	logger.Info("ferretdb ready", "uri", f.MongoDBURI(), "data", dataDir)

	// Run closes listeners, waits for open connections and closes SQLite before returning,
	// so a SIGTERM leaves the database files consistent.
	return f.Run(ctx)
}
