// crossgate-anchor-node: a CometBFT v1 node with the Crossgate anchor application built in
// (docs/cometbft.md). It carries CometBFT's own commands (start, show-node-id, ...) with the app
// supplied in process, plus `localnet`, which writes a local validator network for tests and
// development.
package main

import (
	"context"
	"os"
	"path/filepath"

	cmd "github.com/cometbft/cometbft/cmd/cometbft/commands"
	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/crypto"
	"github.com/cometbft/cometbft/libs/cli"
	cmtlog "github.com/cometbft/cometbft/libs/log"
	nm "github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/proxy"
)

func newNode(config *cfg.Config, logger cmtlog.Logger, cliParams nm.CliParams, keyGen func() (crypto.PrivKey, error)) (*nm.Node, error) {
	nodeKey, err := p2p.LoadOrGenNodeKey(config.NodeKeyFile())
	if err != nil {
		return nil, err
	}
	pv, err := privval.LoadOrGenFilePV(config.PrivValidatorKeyFile(), config.PrivValidatorStateFile(), keyGen)
	if err != nil {
		return nil, err
	}
	db, err := cfg.DefaultDBProvider(&cfg.DBContext{ID: "anchor-app", Config: config})
	if err != nil {
		return nil, err
	}
	app, err := NewAnchorApp(db)
	if err != nil {
		return nil, err
	}
	return nm.NewNodeWithCliParams(context.Background(), config, pv, nodeKey,
		proxy.NewLocalClientCreator(app),
		nm.DefaultGenesisDocProviderFunc(config),
		cfg.DefaultDBProvider,
		nm.DefaultMetricsProvider(config.Instrumentation),
		logger,
		cliParams,
	)
}

func main() {
	root := cmd.RootCmd
	root.AddCommand(cmd.ShowNodeIDCmd, cmd.ShowValidatorCmd, cmd.VersionCmd, cmd.NewRunNodeCmd(newNode), localnetCmd())
	if err := cli.PrepareBaseCmd(root, "CMT", os.ExpandEnv(filepath.Join("$HOME", cfg.DefaultCometDir))).Execute(); err != nil {
		os.Exit(1)
	}
}
