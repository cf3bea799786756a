// pulumi-language-yaml from github.com/pulumi/pulumi-yaml v1.25.0 (the newest release the Go module proxy
// here serves), made to work with Pulumi 3.248: it loads schemas through the engine, and answers Link. `pulumi package add` calls Link after
// generating an SDK and fails with "method Link not implemented" without it. A YAML program needs no
// linking (it names resources by type token; the CLI records the package in Pulumi.yaml itself), which is
// also what pulumi-yaml implements from later releases on (pulumi/pulumi-yaml#929).
// scripts/toolchain/pulumi-engine.sh builds this file in place of cmd/pulumi-language-yaml.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/pulumi/pulumi-yaml/pkg/server"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// yamlHost is pulumi-yaml's language host with Link answered.
type yamlHost struct {
	pulumirpc.LanguageRuntimeServer
}

// Link has nothing to do for YAML and no import instructions to give.
func (yamlHost) Link(context.Context, *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	return &pulumirpc.LinkResponse{}, nil
}

func main() {
	// The flags the engine passes to every language host (pulumi-yaml's own main takes the same).
	var tracing, root, compiler string
	flag.StringVar(&tracing, "tracing", "", "Emit tracing to a Zipkin-compatible tracing endpoint")
	flag.StringVar(&root, "root", "", "Root of the program execution")
	flag.StringVar(&compiler, "compiler", "", "[obsolete] Compiler to use to pre-process YAML")
	flag.Parse()
	logging.InitLogging(false, 0, false)
	cmdutil.InitTracing("pulumi-language-yaml", "pulumi-language-yaml", tracing)

	var engineAddress string
	var cancel chan bool
	if args := flag.Args(); len(args) > 0 {
		engineAddress = args[0]
		var err error
		if cancel, err = stopWithEngine(engineAddress); err != nil {
			cmdutil.Exit(fmt.Errorf("could not start health check host RPC server: %w", err))
		}
	}

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			// Schemas come from the engine's loader (useRPCLoader): it knows how Pulumi 3.248 starts a
			// source-based component package. v1.25.0's own loader starts the Node.js language host with the
			// flags of older hosts (-root, -typescript), which pulumi-language-nodejs 3.248 refuses.
			pulumirpc.RegisterLanguageRuntimeServer(srv, yamlHost{server.NewLanguageHost(engineAddress, tracing, true)})
			return nil
		},
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("could not start language host RPC server: %w", err))
	}
	fmt.Printf("%d\n", handle.Port) // how the engine learns where to reach us
	if err := <-handle.Done; err != nil {
		cmdutil.Exit(fmt.Errorf("language host RPC stopped serving: %w", err))
	}
}

// stopWithEngine returns a channel that closes when the engine stops answering health checks or on SIGINT.
func stopWithEngine(engineAddress string) (chan bool, error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	cancel := make(chan bool)
	go func() {
		<-ctx.Done()
		stop()
		close(cancel)
	}()
	if err := rpcutil.Healthcheck(ctx, engineAddress, 5*time.Minute, stop); err != nil {
		return nil, err
	}
	return cancel, nil
}
