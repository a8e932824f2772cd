package main

// `localnet` writes a CometBFT validator network on 127.0.0.1 (one home directory per validator),
// an Ed25519 admin key that may register gateway keys, and network.json, which tells the gateway
// and the tests where the validators' RPC listens. Consensus timeouts are short so a local network
// commits in about a second and skips a stopped proposer's round quickly.

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/crypto"
	cmted25519 "github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/types"
	cmttime "github.com/cometbft/cometbft/types/time"
)

type networkValidator struct {
	Name      string `json:"name"`
	Home      string `json:"home"`
	RPC       string `json:"rpc"`
	P2PPort   int    `json:"p2pPort"`
	Address   string `json:"address"`
	PublicKey string `json:"publicKey"`
	Power     int64  `json:"power"`
}

type networkFile struct {
	ChainID      string             `json:"chainId"`
	AdminKeyFile string             `json:"adminKeyFile"`
	Validators   []networkValidator `json:"validators"`
}

func localnetCmd() *cobra.Command {
	var dir, chainID string
	var validators, basePort int
	c := &cobra.Command{
		Use:   "localnet",
		Short: "Write a local validator network (homes, genesis, admin key, network.json) into --dir",
		RunE: func(*cobra.Command, []string) error {
			return writeLocalnet(dir, chainID, validators, basePort)
		},
	}
	c.Flags().StringVar(&dir, "dir", "", "output directory (must not exist)")
	c.Flags().StringVar(&chainID, "chain-id", "crossgate-local", "chain id")
	c.Flags().IntVar(&validators, "validators", 4, "number of validators")
	c.Flags().IntVar(&basePort, "base-port", 0, "validator i listens for RPC on base+2i and P2P on base+2i+1")
	_ = c.MarkFlagRequired("dir")
	_ = c.MarkFlagRequired("base-port")
	return c
}

func writeLocalnet(dir, chainID string, n, basePort int) error {
	if _, err := os.Stat(dir); err == nil {
		return fmt.Errorf("%s exists", dir)
	}
	adminPub, adminPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	network := networkFile{ChainID: chainID, AdminKeyFile: filepath.Join(dir, "admin-key.json")}
	genVals := make([]types.GenesisValidator, n)
	peers := make([]string, n)
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("validator%d", i)
		home := filepath.Join(dir, name)
		for _, sub := range []string{"config", "data"} {
			if err := os.MkdirAll(filepath.Join(home, sub), 0o700); err != nil {
				return err
			}
		}
		conf := cfg.DefaultConfig()
		conf.SetRoot(home)
		pv, err := privval.GenFilePV(conf.PrivValidatorKeyFile(), conf.PrivValidatorStateFile(), func() (crypto.PrivKey, error) { return cmted25519.GenPrivKey(), nil })
		if err != nil {
			return err
		}
		pv.Save()
		nodeKey, err := p2p.LoadOrGenNodeKey(conf.NodeKeyFile())
		if err != nil {
			return err
		}
		pub, err := pv.GetPubKey()
		if err != nil {
			return err
		}
		genVals[i] = types.GenesisValidator{Address: pub.Address(), PubKey: pub, Power: 1, Name: name}
		rpcPort, p2pPort := basePort+2*i, basePort+2*i+1
		peers[i] = p2p.IDAddressString(nodeKey.ID(), fmt.Sprintf("127.0.0.1:%d", p2pPort))
		network.Validators = append(network.Validators, networkValidator{
			Name: name, Home: home, RPC: fmt.Sprintf("http://127.0.0.1:%d", rpcPort), P2PPort: p2pPort,
			Address: pub.Address().String(), PublicKey: b64.EncodeToString(pub.Bytes()), Power: 1,
		})
	}
	appState, err := json.Marshal(map[string]any{"admins": []map[string]string{{"alg": "Ed25519", "publicKey": b64.EncodeToString(adminPub)}}})
	if err != nil {
		return err
	}
	genesis := &types.GenesisDoc{
		ChainID: chainID, GenesisTime: cmttime.Now(), InitialHeight: 1,
		ConsensusParams: types.DefaultConsensusParams(), Validators: genVals, AppState: appState,
	}
	for i, v := range network.Validators {
		conf := cfg.DefaultConfig()
		conf.SetRoot(v.Home)
		conf.Moniker = v.Name
		conf.LogLevel = "info"
		conf.RPC.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", basePort+2*i)
		conf.P2P.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", v.P2PPort)
		conf.P2P.PersistentPeers = strings.Join(append(append([]string{}, peers[:i]...), peers[i+1:]...), ",")
		conf.P2P.AddrBookStrict = false
		conf.P2P.AllowDuplicateIP = true
		conf.Instrumentation.Prometheus = false
		conf.Consensus.TimeoutPropose = 1 * time.Second
		conf.Consensus.TimeoutProposeDelta = 200 * time.Millisecond
		conf.Consensus.TimeoutPrevote = 500 * time.Millisecond
		conf.Consensus.TimeoutPrecommit = 500 * time.Millisecond
		conf.Consensus.TimeoutCommit = 300 * time.Millisecond
		conf.Consensus.CreateEmptyBlocksInterval = 5 * time.Second
		cfg.WriteConfigFile(filepath.Join(v.Home, "config", "config.toml"), conf)
		if err := genesis.SaveAs(conf.GenesisFile()); err != nil {
			return err
		}
	}
	adminKey, err := json.MarshalIndent(map[string]string{
		"alg": "Ed25519", "publicKey": b64.EncodeToString(adminPub), "privateKey": b64.EncodeToString(adminPriv.Seed()),
	}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(network.AdminKeyFile, adminKey, 0o600); err != nil {
		return err
	}
	out, err := json.MarshalIndent(network, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "network.json"), out, 0o644)
}
