// Command composecheck loads a compose file with compose-go, the loader Docker Compose itself
// uses, and prints what the tests check: the project's services and each service's
// develop.watch triggers, as JSON. Any error (schema, interpolation, consistency) exits 1 with
// the loader's message; warnings the loader logs are printed on stderr.
//
// Usage: go run . PATH/docker-compose.yml
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

type trigger struct {
	Path   string   `json:"path"`
	Action string   `json:"action"`
	Ignore []string `json:"ignore"`
}

type service struct {
	Build string    `json:"build"`
	Watch []trigger `json:"watch"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: composecheck COMPOSE_FILE")
		os.Exit(2)
	}
	file, err := filepath.Abs(os.Args[1])
	if err != nil {
		fail(err)
	}
	dir := filepath.Dir(file)
	details := types.ConfigDetails{
		WorkingDir:  dir,
		ConfigFiles: []types.ConfigFile{{Filename: file}},
		Environment: types.Mapping{},
	}
	project, err := loader.LoadWithContext(context.Background(), details, func(o *loader.Options) {
		o.SetProjectName("composecheck", true)
	})
	if err != nil {
		fail(err)
	}
	out := map[string]service{}
	names := project.ServiceNames()
	sort.Strings(names)
	for _, name := range names {
		s := project.Services[name]
		var svc service
		if s.Build != nil {
			// Relative to the compose file's folder, as the tests wrote it.
			rel, err := filepath.Rel(dir, s.Build.Context)
			if err != nil {
				fail(err)
			}
			svc.Build = rel
		}
		if s.Develop != nil {
			for _, t := range s.Develop.Watch {
				rel, err := filepath.Rel(dir, t.Path)
				if err != nil {
					fail(err)
				}
				svc.Watch = append(svc.Watch, trigger{Path: rel, Action: string(t.Action), Ignore: t.Ignore})
			}
		}
		out[name] = svc
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "composecheck:", err)
	os.Exit(1)
}
