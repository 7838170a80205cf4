// Command ferretdb runs FerretDB v1 as a local MongoDB-compatible server, on SQLite files
// (-data, the default) or on a PostgreSQL database (-postgresql-url).
//
// It exists because `go install` of the upstream cmd/ferretdb panics at init: the module zip
// lacks build/version/version.txt, which is only checked when FerretDB itself is the main
// module. Embedding the library from our own main module sidesteps that check. The embedded
// package also disables telemetry and starts no debug HTTP listener; -debug-addr starts ours,
// with Go's CPU and heap profiles only (the benchmarks read where FerretDB spends its CPU),
// and only on a loopback address.
//
// Without -setup-user it accepts every client, as the local runtime and the tests need. With
// it (the Swarm image, docker/ferretdb), FerretDB's SCRAM authentication is on: the setup
// user is created in the admin database of an empty data directory, each -user is created
// (if missing) once the server listens, and every command but the handshake needs a login.
// FerretDB 1 has no authorisation: every user may read and write every database.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// users collects the repeatable -user NAME:PASSWORD_FILE flag.
type users []string

func (u *users) String() string     { return strings.Join(*u, ",") }
func (u *users) Set(v string) error { *u = append(*u, v); return nil }

type authOptions struct {
	setupUser, setupPasswordFile string
	extraUsers                   users
}

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	dataDir := flag.String("data", "", "absolute directory holding one SQLite file per database (created if missing)")
	postgresqlURL := flag.String("postgresql-url", "", "use FerretDB's postgresql handler on this database (postgres://...) instead of SQLite files")
	logLevel := flag.String("log-level", "info", "debug, info, warn or error")
	ping := flag.String("ping", "", "only check that a server answers at this address (host:port), then exit 0 or 1")
	debugAddr := flag.String("debug-addr", "", "serve Go's pprof profiles (/debug/pprof/) on this loopback address (host:port); off when empty")
	var auth authOptions
	flag.StringVar(&auth.setupUser, "setup-user", "", "turn authentication on; this user (admin database) is created on an empty data directory")
	flag.StringVar(&auth.setupPasswordFile, "setup-password-file", "", "file holding the setup user's password")
	flag.Var(&auth.extraUsers, "user", "NAME:PASSWORD_FILE of a further user (admin database) created when missing; repeatable, needs -setup-user")
	flag.Parse()

	var err error
	if *ping != "" {
		err = pingServer(*ping)
	} else if err = serveProfiles(*debugAddr); err == nil {
		err = run(*listen, backend{dataDir: *dataDir, postgresqlURL: *postgresqlURL}, *logLevel, auth)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: %s\n", err)
		os.Exit(1)
	}
}

// backend is either a directory of SQLite files or a PostgreSQL URL.
type backend struct {
	dataDir, postgresqlURL string
}

// config sets the handler fields of FerretDB's configuration, creating the SQLite directory.
func (b backend) config(c *ferretdb.Config) error {
	if b.postgresqlURL != "" {
		if b.dataDir != "" {
			return errors.New("-data and -postgresql-url exclude each other")
		}
		c.Handler = "postgresql"
		c.PostgreSQLURL = b.postgresqlURL
		return nil
	}
	if b.dataDir == "" || !filepath.IsAbs(b.dataDir) {
		return errors.New("-data must be an absolute directory path (or give -postgresql-url)")
	}
	if err := os.MkdirAll(b.dataDir, 0o755); err != nil {
		return fmt.Errorf("cannot create data directory: %w", err)
	}
	c.Handler = "sqlite"
	// The SQLite handler rejects a URL that is not an existing directory ending with '/'.
	c.SQLiteURL = "file:" + strings.TrimSuffix(b.dataDir, "/") + "/"
	return nil
}

// String names where the data is, for the ready line; never the URL's password.
func (b backend) String() string {
	if b.postgresqlURL == "" {
		return b.dataDir
	}
	if u, err := url.Parse(b.postgresqlURL); err == nil {
		return u.Redacted()
	}
	return "postgresql"
}

func run(listen string, store backend, logLevel string, auth authOptions) error {

	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("invalid -log-level %q", logLevel)
	}

	authConfig, err := auth.config()
	if err != nil {
		return err
	}

	config := ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: listen},
		Logger:   slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})),
		Auth:     authConfig,
	}
	if err := store.config(&config); err != nil {
		return err
	}
	logger := config.Logger

	f, err := ferretdb.New(&config)
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	done := make(chan error, 1)
	// Run closes listeners, waits for open connections and closes its backend before
	// returning, so a SIGTERM leaves the database files consistent.
	go func() { done <- f.Run(ctx) }()

	if len(auth.extraUsers) > 0 {
		if err := createUsers(ctx, listen, authConfig, auth.extraUsers); err != nil {
			stop()
			<-done
			return err
		}
	}
	logger.Info("ferretdb ready", "uri", f.MongoDBURI(), "handler", config.Handler, "data", store, "auth", authConfig.Enable)
	return <-done
}

func (a authOptions) config() (ferretdb.AuthConfig, error) {
	if a.setupUser == "" {
		if len(a.extraUsers) > 0 || a.setupPasswordFile != "" {
			return ferretdb.AuthConfig{}, errors.New("-user and -setup-password-file need -setup-user")
		}
		return ferretdb.AuthConfig{}, nil
	}
	password, err := readSecret(a.setupPasswordFile)
	if err != nil {
		return ferretdb.AuthConfig{}, fmt.Errorf("-setup-password-file: %w", err)
	}
	return ferretdb.AuthConfig{
		Enable:        true,
		SetupDatabase: "admin",
		SetupUsername: a.setupUser,
		SetupPassword: password,
	}, nil
}

func readSecret(file string) (string, error) {
	if file == "" {
		return "", errors.New("no file given")
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("%s is empty", file)
	}
	return s, nil
}

// createUsers logs in as the setup user and creates each missing user. The server may still
// be opening its listener, so the first connection is retried for a while.
func createUsers(ctx context.Context, listen string, setup ferretdb.AuthConfig, extra []string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	client, err := mongo.Connect(ctx, options.Client().
		ApplyURI("mongodb://"+listen+"/").
		SetAuth(options.Credential{Username: setup.SetupUsername, Password: setup.SetupPassword, AuthSource: "admin"}))
	if err != nil {
		return err
	}
	defer client.Disconnect(context.Background()) //nolint:errcheck // best effort on the way out
	admin := client.Database("admin")
	for _, spec := range extra {
		name, file, ok := strings.Cut(spec, ":")
		if !ok || name == "" {
			return fmt.Errorf("-user %q: want NAME:PASSWORD_FILE", spec)
		}
		password, err := readSecret(file)
		if err != nil {
			return fmt.Errorf("-user %s: %w", name, err)
		}
		var info struct {
			Users []bson.M `bson:"users"`
		}
		if err := admin.RunCommand(ctx, bson.D{{Key: "usersInfo", Value: name}}).Decode(&info); err != nil {
			return fmt.Errorf("usersInfo %s: %w", name, err)
		}
		if len(info.Users) > 0 {
			continue
		}
		cmd := bson.D{{Key: "createUser", Value: name}, {Key: "pwd", Value: password}, {Key: "roles", Value: bson.A{}}}
		if err := admin.RunCommand(ctx, cmd).Err(); err != nil {
			return fmt.Errorf("createUser %s: %w", name, err)
		}
	}
	return nil
}

// serveProfiles serves Go's profiling endpoints on a loopback address, in the background; an
// empty address serves nothing. The listener is open before it returns, so a caller that
// starts FerretDB and then asks for a profile finds it.
func serveProfiles(address string) error {
	if address == "" {
		return nil
	}
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("-debug-addr: %w", err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-debug-addr %s: profiles are served on a loopback address only", address)
	}
	listener, err := net.Listen("tcp", address)
	if err != nil {
		return fmt.Errorf("-debug-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	server := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go server.Serve(listener) //nolint:errcheck // ends with the process
	return nil
}

// pingServer is the container's health check: a MongoDB handshake and a ping, which need no
// login, so the probe holds no password.
func pingServer(address string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	client, err := mongo.Connect(ctx, options.Client().ApplyURI("mongodb://"+address+"/").SetDirect(true))
	if err != nil {
		return err
	}
	defer client.Disconnect(context.Background()) //nolint:errcheck // a probe: nothing to do on failure
	return client.Database("admin").RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Err()
}
